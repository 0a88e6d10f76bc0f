"""Cuutro: the Relief & Charity Portal (Cổng thông tin Cứu trợ – Thiện nguyện)."""
