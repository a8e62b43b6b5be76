"""The guard's eyes: OCR (Tesseract) and QR decoding (zxing-cpp) on customer images, run in a worker process."""
