"""Communications: public notices (notices.py) and notifications to people (notifications.py)."""

from civicshield.comms.models.notices import *  # noqa: F403
from civicshield.comms.models.notifications import *  # noqa: F403
