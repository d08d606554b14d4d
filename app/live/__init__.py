"""The event day itself: what is on now and next in each room, room screens, personal join links for
online attendees and who attended each session."""
