"""The monthly complaint report's outputs: its schedule, its Chinese labels, the spreadsheet and the PDF.

The figures themselves are read by ``runtime.read.report``; everything here renders a kept figures dict
(codes, never labels), so the console, the spreadsheet, the PDF and the e-mail all say the same."""
