"""Import of contacts from CSV, XLSX and vCard files, in the seams it is made of:

- ``targets``: what a column can be imported as, and the guess of each column's field (knowing
  the exports of Google Contacts, Outlook, Apple, Bitrix24 and amoCRM);
- ``dates``: dates as those files write them, in the order the file settles or the person chose;
- ``mappings``: the mapping step's choices — the order of dates, mappings saved by name;
- ``readers``: an uploaded file read as a table of text cells;
- ``rows``: one row into the contact services' arguments, and every row through them;
- ``steps``: upload, preview, mapping — and ``CONTACT_IMPORT``, the job kind whose check and
  import the job engine in ``crm.jobs`` runs with a progress bar.
"""
