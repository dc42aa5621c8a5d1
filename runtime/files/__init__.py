"""Complaint attachments (photos, PDFs, office documents): where their bytes are kept (``blobs``), what a
file really is (``content``), and images made safe to show (``images``). No database and no web here: the
services put these together with the attachment rows of ``runtime.store.files``."""
