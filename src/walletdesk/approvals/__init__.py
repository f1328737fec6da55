"""Maker-checker: an action on a customer's account that one member of staff asks for and a
second one approves before it is carried out (unfreezing, fee refunds, compensation)."""
