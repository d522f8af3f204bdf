"""Documents: ID photos the site accepts, and the single PDFs of supporting materials.

- ``photo``   ``check_photo`` / ``fix_photo``: the wizard's step-1 photo rules, and a faithful fix.
- ``bundle``  ``bundle_pdf``: images and PDFs into one PDF under the site's 20 MB limit.
- ``images``  decoding whatever phones, scanners and WeChat produce (orientation, CMYK, alpha).
- ``face``    offline face detection (OpenCV's Haar cascade) for cropping and checking.
- ``files``   format sniffing by magic bytes and atomic writes.
- ``commands`` the ``portal-bot photo …`` and ``portal-bot pdf …`` commands.

Pillow, pypdf and OpenCV are imported only inside this package. Nothing here invents picture
content: a file that cannot honestly be made compliant is refused with a DocumentError.
"""

#: Bump whenever ``fix_photo`` or ``bundle_pdf`` would write different bytes for the same input:
#: ``portal-bot prepare`` keys its outputs on it and redoes every document when it changes.
DOCUMENT_CODE_VERSION = 2
