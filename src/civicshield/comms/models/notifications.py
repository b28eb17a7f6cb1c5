"""Notifications: telling victims and parties, with acknowledgement and escalation."""
