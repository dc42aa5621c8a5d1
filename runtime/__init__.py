"""complaintflow runtime: everything that runs process instances, with no web framework in it."""
