"""The archived case file of an ended complaint: one PDF of everything (record, every step with its
data, the timeline, the deadlines, the attachments listed and the photos shown) and a zip of the
original files. Made with WeasyPrint from an HTML template, in Chinese (the company's record)."""
