"""Banks a fund can be held at: short code, name and NAPAS BIN (the 6 digits VietQR needs).

BINs are NAPAS's published bank identifiers; add a row here when a province opens an account at
another bank. Statement layouts for import are keyed by the same short codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bank:
    code: str
    name: str
    bin: str


BANKS = [
    Bank("vcb", "Vietcombank (Ngân hàng TMCP Ngoại thương Việt Nam)", "970436"),
    Bank("vietinbank", "VietinBank (Ngân hàng TMCP Công thương Việt Nam)", "970415"),
    Bank("bidv", "BIDV (Ngân hàng TMCP Đầu tư và Phát triển Việt Nam)", "970418"),
    Bank("agribank", "Agribank (Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam)", "970405"),
    Bank("techcombank", "Techcombank (Ngân hàng TMCP Kỹ thương Việt Nam)", "970407"),
    Bank("mb", "MB (Ngân hàng TMCP Quân đội)", "970422"),
    Bank("acb", "ACB (Ngân hàng TMCP Á Châu)", "970416"),
    Bank("vpbank", "VPBank (Ngân hàng TMCP Việt Nam Thịnh Vượng)", "970432"),
    Bank("sacombank", "Sacombank (Ngân hàng TMCP Sài Gòn Thương Tín)", "970403"),
]
BY_CODE = {bank.code: bank for bank in BANKS}
CHOICES = [(bank.code, bank.name) for bank in BANKS]
