"""Evaluation of the guard's image reading (OCR + QR): `python -m routing.sensitive.images_eval`."""
