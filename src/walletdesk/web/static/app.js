/* Progressive enhancement; every page works without it. */
"use strict";

// The header's menu button on a phone: opens and closes the navigation in place (without
// this script the button is a link to #menu, and CSS :target shows the links).
document.addEventListener("click", (event) => {
  const toggle = event.target instanceof Element ? event.target.closest(".menu-toggle") : null;
  if (!toggle) return;
  const header = toggle.closest(".topbar");
  if (!header) return;
  event.preventDefault();
  const open = header.classList.toggle("menu-open");
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});
