"""VietQR payloads (NAPAS 247 on EMVCo merchant-presented QR): build, parse and check.

Banking apps in Vietnam scan these to pre-fill a transfer: bank, account, amount and memo. The
format is a string of TLV fields (two-digit id, two-digit length, value), closed by a CRC.
Written here rather than taken from PyPI: the published packages get non-ASCII lengths wrong or
add defaults banks reject (see ../shared/ECOSYSTEM.md), and the whole format is 60 lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"  # transfer to an account (QRIBFTTC would be to a card)
CURRENCY_VND = "704"
MAX_MEMO = 25  # banks cut or refuse longer memos


class VietQRError(ValueError):
    """The payload or its parts are not valid VietQR."""


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no xor-out."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    if not value.isascii():
        raise VietQRError(f"field {tag} must be ASCII")
    if len(value) > 99:
        raise VietQRError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


@dataclass(frozen=True)
class VietQR:
    bin: str  # the bank's 6-digit NAPAS BIN, e.g. 970436 for Vietcombank
    account: str
    amount: int | None = None  # whole đồng; None lets the payer type it (a fund's standing QR)
    memo: str = ""

    def payload(self) -> str:
        """The string to encode in the QR code."""
        if not (self.bin.isdigit() and len(self.bin) == 6):
            raise VietQRError("the bank BIN has 6 digits")
        if not (self.account.isalnum() and self.account.isascii() and 1 <= len(self.account) <= 19):
            raise VietQRError("the account number has 1 to 19 letters or digits")
        if len(self.memo) > MAX_MEMO:
            raise VietQRError(f"the memo has at most {MAX_MEMO} characters")
        if self.amount is not None and not (0 < self.amount < 10**13):
            raise VietQRError("the amount is a positive whole number of đồng")
        beneficiary = _tlv("00", self.bin) + _tlv("01", self.account)
        merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
        body = (
            _tlv("00", "01")
            + _tlv("01", "12" if self.amount is not None else "11")  # 12: one payment; 11: reusable
            + _tlv("38", merchant)
            + _tlv("53", CURRENCY_VND)
            + (_tlv("54", str(self.amount)) if self.amount is not None else "")
            + _tlv("58", "VN")
            + (_tlv("62", _tlv("08", self.memo)) if self.memo else "")
            + "6304"
        )
        return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


def _fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        if position + 4 > len(text) or not text[position + 2 : position + 4].isdigit():
            raise VietQRError("broken field header")
        tag, length = text[position : position + 2], int(text[position + 2 : position + 4])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length:
            raise VietQRError(f"field {tag} is cut short")
        fields[tag] = value
        position += 4 + length
    return fields


def parse(payload: str) -> VietQR:
    """Decode a payload back into its parts, checking the CRC first."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        raise VietQRError("no CRC field at the end")
    expected = crc16_ccitt_false(payload[:-4].encode("ascii"))
    if payload[-4:].upper() != f"{expected:04X}":
        raise VietQRError("the CRC does not match")
    top = _fields(payload[:-8])
    merchant = _fields(top.get("38", ""))
    if merchant.get("00") != NAPAS_GUID:
        raise VietQRError("not a NAPAS payload")
    beneficiary = _fields(merchant.get("01", ""))
    amount = top.get("54")
    memo = _fields(top["62"]).get("08", "") if "62" in top else ""
    return VietQR(
        bin=beneficiary.get("00", ""),
        account=beneficiary.get("01", ""),
        amount=int(Decimal(amount)) if amount else None,
        memo=memo,
    )
