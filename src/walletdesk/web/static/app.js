/* Progressive enhancement; every page works without it. */
