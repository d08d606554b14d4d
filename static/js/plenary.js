// Shared behaviour for every page (htmx does most of the work).
