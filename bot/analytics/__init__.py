"""What citizens asked and how satisfied they were, for the staff console (docs/staff.md)."""
