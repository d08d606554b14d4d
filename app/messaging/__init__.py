"""Messages to groups: an organiser writes once to an audience of the event (registrants, speakers, chairs),
each person gets their own copy with their own links, written in batches by a worker."""
