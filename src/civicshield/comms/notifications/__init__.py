"""Notifications to victims and parties: resolution, delivery, acknowledgement, escalation.

`services.notify(...)` is the door for other apps (docs/notifications.md).
"""
