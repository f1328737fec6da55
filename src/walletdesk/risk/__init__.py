"""Risk control: configurable rules on sign-ins and outgoing payments that alert, hold a payment
for review or freeze the account, and the freezes themselves (lifted by maker-checker)."""
