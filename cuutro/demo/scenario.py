"""A deterministic flood scenario in Quảng Trị (area code 44) for demos, screenshots and trials.

Every need is recorded, submitted, verified, returned or cancelled through the same services an
officer uses, and pledged, delivered and confirmed through the pledge services (``giving.py``), so
the audit log, the search keys, the items' counters and the four-eyes rules look as they would in
a real deployment. The planning half (``need_plans``) is pure: a seed and the list of communes give
the same needs and pledges every time. All people, ID numbers, phone numbers, villages and GPS
points are fictional.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from cuutro.accounts.models import Organisation, OrganisationKind, Role, RoleAssignment, User
from cuutro.accounts.services import role_assign
from cuutro.demo.convoys import ConvoySummary, build_convoys
from cuutro.demo.giving import PledgePlan, build_pledges, expire_planned, pledge_plans, request_handover
from cuutro.demo.money import FundSpec, MoneySummary, build_money
from cuutro.demo.wording import COLLAPSE_PARTS, DEPTHS, FAMILY_CONTEXT, ROOF_PARTS
from cuutro.geo.models import Area, AreaLevel
from cuutro.geo.services import village_create
from cuutro.lib.text import fold
from cuutro.needs.models import Campaign, CatalogueItem, DamageLevel, Need, NeedKind, NeedStatus, Urgency
from cuutro.needs.services import (
    BeneficiaryData,
    NeedData,
    NeedItemData,
    need_cancel,
    need_create,
    need_reject,
    need_submit,
    need_verify,
)
from cuutro.pledges.choices import HandoverStatus
from cuutro.pledges.models import HandoverRequest, Pledge

PROVINCE_CODE = "44"  # Tỉnh Quảng Trị (merged with Quảng Bình in 2025)
DEMO_PREFIX = "demo-"
DEMO_PASSWORD = "demo"  # noqa: S105 - public by design; demo_blockers keeps it off real databases
# Demo mail goes to a reserved domain that never resolves: the console backend shows it, and a
# misconfigured SMTP server could not deliver it to anyone.
DEMO_MAIL_DOMAIN = "demo.invalid"
DEFAULT_SEED = 2020
DEFAULT_NEEDS = 2200
COMMUNE_A = "19333"  # Phường Đông Hà: demo-officer records, demo-verifier verifies
COMMUNE_B = "19495"  # Xã Gio Linh: demo-officer-b records, demo-province verifies
RED_CROSS = "Hội Chữ thập đỏ tỉnh Quảng Trị"
DELEGATION = "Đoàn cứu trợ Doanh nghiệp Hướng về miền Trung"
FLOOD_2020 = "lu-10-2020"
STORM_2025 = "bao-so-5-2025"


# --- people and organisations -------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: Role
    area_code: str | None = None
    organisation: str | None = None
    superuser: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("demo-admin", "Hoàng Minh Tuấn", Role.PROVINCE_ADMIN, PROVINCE_CODE, superuser=True),
    DemoUser("demo-province", "Lê Thị Thu Hà", Role.PROVINCE_COMMITTEE, PROVINCE_CODE),
    DemoUser("demo-officer", "Trần Văn Bình", Role.COMMUNE_OFFICER, COMMUNE_A),
    DemoUser("demo-verifier", "Phạm Thị Lan", Role.COMMUNE_OFFICER, COMMUNE_A),
    DemoUser("demo-officer-b", "Võ Đức Thắng", Role.COMMUNE_OFFICER, COMMUNE_B),
    DemoUser("demo-org", "Đặng Thị Hồng Nhung", Role.ORG_MEMBER, organisation=RED_CROSS),
    DemoUser("demo-delegation", "Ngô Quang Vinh", Role.ORG_MEMBER, organisation=DELEGATION),
    DemoUser("demo-donor", "Bùi Quang Huy", Role.DONOR),
)

ORGANISATIONS = ((RED_CROSS, OrganisationKind.DONOR_ORG), (DELEGATION, OrganisationKind.DELEGATION))


@dataclass(frozen=True)
class CampaignSpec:
    code: str
    name: str
    starts_on: str
    description: str


CAMPAIGNS = (
    CampaignSpec(
        FLOOD_2020,
        "Lũ lịch sử tháng 10/2020",
        "2020-10-06",
        "Mưa lớn kéo dài trong tháng 10/2020 gây lũ lịch sử trên các sông Kiến Giang, Nhật Lệ, Thạch Hãn; "
        "nhiều nhà bị ngập sâu, tốc mái, mất lúa giống và gia súc. Dữ liệu trong bản trình diễn là hư cấu.",
    ),
    CampaignSpec(
        STORM_2025,
        "Bão số 5 năm 2025",
        "2025-08-25",
        "Bão số 5 gây gió mạnh và mưa lớn, làm tốc mái nhiều nhà dân, trường học và trạm y tế. Dữ liệu trong bản trình diễn là hư cấu.",
    ),
)

# One fund per bank whose statements Cuutro imports (fictional accounts). The default fund takes
# the money of needs outside both campaigns.
FUNDS = (
    FundSpec(
        "demo-vcb", "vcb", "Quỹ Cứu trợ tỉnh Quảng Trị", None, "0771000588999", "UB MTTQ VN TINH QUANG TRI", "2020-01-01",
        is_default=True, goods="blanket", goods_in=200, giver="Hội Chữ thập đỏ tỉnh Quảng Trị",
        fee_memo="Thu phi dich vu SMS Banking", fee=11_000,
    ),
    FundSpec(
        "demo-vietinbank", "vietinbank", "Ủng hộ đồng bào bị lũ lụt tháng 10/2020", FLOOD_2020, "113000202010",
        "UY BAN MTTQ VIET NAM TINH QUANG TRI", "2020-10-06", goods="rice", goods_in=2000,
        giver="Tổng công ty Lương thực miền Bắc", fee_memo="Phi duy tri tai khoan", fee=5_500,
    ),
    FundSpec(
        "demo-bidv", "bidv", "Ủng hộ khắc phục hậu quả bão số 5 năm 2025", STORM_2025, "51010005252025",
        "UB MTTQ VN TINH QUANG TRI", "2025-08-25", goods="roofing-sheet", goods_in=500,
        giver="Công ty TNHH Tôn Đông Á", fee_memo="Phi SMS Banking BSMS", fee=9_900,
    ),
)  # fmt: skip

# Villages added under four flood-hit communes, so the village picker has something to show.
VILLAGES: dict[str, tuple[str, ...]] = {
    "19495": ("Thôn Hà Thượng", "Thôn Kinh Môn", "Thôn An Mỹ"),  # Xã Gio Linh
    "19249": ("Thôn Tân Lệ", "Thôn Xuân Bồ", "Thôn Thạch Bàn", "Thôn Uẩn Áo"),  # Xã Lệ Thủy
    "19702": ("Thôn Câu Nhi", "Thôn Trà Lộc", "Thôn Văn Quỹ"),  # Xã Hải Lăng
    "19624": ("Thôn Phước Lễ", "Thôn Đại Hào", "Thôn Bích La"),  # Xã Triệu Phong
}

# fmt: off
# Fictional names: the usual family names of the region, weighted roughly by how common they are.
FAMILY_NAMES = (
    ("Nguyễn", 30), ("Trần", 10), ("Lê", 12), ("Phạm", 5), ("Hoàng", 6), ("Phan", 5), ("Võ", 6), ("Hồ", 5),
    ("Đặng", 3), ("Bùi", 3), ("Đỗ", 2), ("Ngô", 3), ("Dương", 2), ("Trương", 3), ("Mai", 2), ("Đinh", 2),
)
MIDDLE_MALE = ("Văn", "Văn", "Văn", "Đức", "Hữu", "Quang", "Minh", "Công", "Xuân", "Thanh")
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Thị Thu", "Thị Ngọc", "Thị Kim", "Ngọc", "Thu", "Hồng")
GIVEN_MALE = (
    "Hùng", "Dũng", "Tuấn", "Nam", "Sơn", "Hải", "Long", "Bình", "Thắng", "Phúc", "Lợi", "Tâm", "Quý",
    "Hòa", "Toàn", "Cường", "Lộc", "Trung", "Khánh", "Tư", "Sáu", "Vĩnh", "Đạt", "Nhân",
)
GIVEN_FEMALE = (
    "Lan", "Hoa", "Hương", "Mai", "Hằng", "Nga", "Thủy", "Liên", "Hạnh", "Tuyết", "Loan", "Nhung", "Yến",
    "Phượng", "Thảo", "Hiền", "Lài", "Cúc", "Sen", "Vân", "Trang", "Oanh",
)
HAMLETS = (
    "An Lộc", "Tân Định", "Phú Hưng", "Đông Thành", "Xuân Lâm", "Mỹ Hòa", "Trung Sơn", "Thượng Phước",
    "Hạ Phước", "Bình An", "Phước Lý", "Tiên Mỹ", "Phú Xuân", "Lương Điền", "Hòa Bình", "Tân Hòa",
    "Đại Phong", "An Thịnh", "Cổ Thành", "Hưng Nhơn", "Vĩnh Phước", "Tân Mỹ", "Đông Xuân", "Long Hưng",
)
# fmt: on
RIVERS_NORTH = ("sông Kiến Giang", "sông Nhật Lệ", "sông Gianh", "sông Son", "sông Long Đại")
RIVERS_SOUTH = ("sông Thạch Hãn", "sông Hiếu", "sông Bến Hải", "sông Ô Lâu", "sông Vĩnh Định")
CAUSES = {
    FLOOD_2020: ("trận lũ lịch sử tháng 10/2020", "đợt lũ tháng 10/2020"),
    STORM_2025: ("bão số 5", "cơn bão số 5"),
    None: ("đợt mưa lũ vừa qua", "mưa lũ kéo dài"),
}

# --- where the communes are -----------------------------------------------------------------
# vietnam-provinces has no coordinates. Each commune gets a FICTIONAL pseudo-centroid: the rough
# position of its former district (the codes of a former district are contiguous) plus a fixed
# offset drawn from the commune code, then pulled inside the land outline below. Good enough to
# put dots in the right part of the map; never use these points for anything real.


@dataclass(frozen=True)
class _District:
    first_code: int
    lat: float
    lng: float
    spread: float  # degrees either side of the anchor
    weight: float  # how hard the floods hit it: more needs recorded there
    mountain: bool = False


_DISTRICTS = (
    _District(18859, 17.465, 106.585, 0.02, 2.0),  # Đồng Hới
    _District(18901, 17.760, 105.990, 0.10, 1.0, mountain=True),  # Minh Hóa
    _District(18943, 17.850, 106.100, 0.08, 1.2, mountain=True),  # Tuyên Hóa
    _District(19009, 17.760, 106.380, 0.06, 1.5),  # Ba Đồn, Quảng Trạch
    _District(19111, 17.560, 106.400, 0.09, 1.5),  # Bố Trạch
    _District(19204, 17.300, 106.560, 0.07, 2.5),  # Quảng Ninh
    _District(19249, 17.190, 106.740, 0.07, 3.0),  # Lệ Thủy
    _District(19333, 16.815, 107.090, 0.015, 3.0),  # Đông Hà
    _District(19360, 16.750, 107.185, 0.01, 2.0),  # Quảng Trị (former town)
    _District(19363, 17.020, 106.980, 0.06, 1.2),  # Vĩnh Linh
    _District(19429, 16.640, 106.700, 0.08, 1.5, mountain=True),  # Hướng Hóa
    _District(19495, 16.900, 107.030, 0.05, 1.5),  # Gio Linh
    _District(19555, 16.570, 106.930, 0.07, 1.5, mountain=True),  # Đakrông
    _District(19597, 16.800, 106.960, 0.03, 1.5),  # Cam Lộ
    _District(19624, 16.780, 107.170, 0.04, 2.5),  # Triệu Phong
    _District(19681, 16.680, 107.240, 0.05, 2.5),  # Hải Lăng
    _District(19742, 17.160, 107.338, 0.003, 0.1),  # Đặc khu Cồn Cỏ (island)
)
_DISTRICT_STARTS = [d.first_code for d in _DISTRICTS]
ISLAND = "19742"
MOUNTAIN_EXTRA = {"19138", "19147", "19204", "19318", "19366"}  # Phong Nha, Thượng Trạch, Trường Sơn…
COASTAL = {"18859", "18880", "19066", "19159", "19225", "19414", "19496", "19639", "19645", "19741", ISLAND}
FIRST_SOUTH_CODE = 19333  # communes before it were Quảng Bình province until 2025

# Rough land outline, south to north: (lat, westmost lng at the Lao border, eastmost lng at the
# coast). A few kilometres off here and there, which is fine for fictional dots.
_OUTLINE = (
    (16.45, 106.55, 107.10),
    (16.60, 106.55, 107.35),
    (16.74, 106.50, 107.31),
    (16.90, 106.45, 107.17),
    (17.01, 106.35, 107.09),
    (17.10, 106.25, 107.02),
    (17.20, 106.15, 106.91),
    (17.35, 106.00, 106.74),
    (17.48, 105.90, 106.61),
    (17.70, 105.75, 106.46),
    (17.95, 105.90, 106.45),
)
_LAND_MARGIN = 0.01


def land_bounds(lat: float) -> tuple[float, float]:
    """West and east limits of the land at ``lat``, by straight lines between outline rows."""
    lats = [row[0] for row in _OUTLINE]
    i = min(max(bisect.bisect_left(lats, lat), 1), len(_OUTLINE) - 1)
    (lat0, w0, e0), (lat1, w1, e1) = _OUTLINE[i - 1], _OUTLINE[i]
    t = min(max((lat - lat0) / (lat1 - lat0), 0.0), 1.0)
    return w0 + t * (w1 - w0) + _LAND_MARGIN, e0 + t * (e1 - e0) - _LAND_MARGIN


def on_land(lat: float, lng: float) -> tuple[float, float]:
    """Pull a point inside the province's land outline (the sea and Laos are off limits)."""
    lat = min(max(lat, _OUTLINE[0][0] + _LAND_MARGIN), _OUTLINE[-1][0] - _LAND_MARGIN)
    west, east = land_bounds(lat)
    # Mirror a stray point back inland rather than clamp it: clamping lines dots up on the beach.
    if lng > east:
        lng = 2 * east - lng
    elif lng < west:
        lng = 2 * west - lng
    return lat, min(max(lng, west), east)


def _district(code: str) -> _District:
    return _DISTRICTS[max(bisect.bisect_right(_DISTRICT_STARTS, int(code)) - 1, 0)]


def commune_centroid(code: str) -> tuple[float, float]:
    """The commune's fictional pseudo-centroid; depends on the code only, never on the seed."""
    district = _district(code)
    spot = random.Random(f"centroid-{code}")
    lat = district.lat + spot.uniform(-district.spread, district.spread)
    lng = district.lng + spot.uniform(-district.spread, district.spread)
    if code == ISLAND:
        return lat, lng
    if code in COASTAL:
        lng = land_bounds(lat)[1] - 0.02  # a fishing commune lies on the shore
    return on_land(lat, lng)


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    is_ward: bool
    villages: tuple[tuple[str, str], ...] = ()  # (code, name) of villages recorded in the tree
    lat: float = 0.0
    lng: float = 0.0
    weight: float = 1.0
    mountain: bool = False
    coastal: bool = False
    north: bool = False


def commune_for(*, code: str, name: str, division_type: str, villages: Sequence[tuple[str, str]] = ()) -> Commune:
    district = _district(code)
    lat, lng = commune_centroid(code)
    return Commune(
        code=code,
        name=name,
        is_ward=division_type == "phường",
        villages=tuple(villages),
        lat=lat,
        lng=lng,
        weight=district.weight,
        mountain=district.mountain or code in MOUNTAIN_EXTRA,
        coastal=code in COASTAL,
        north=int(code) < FIRST_SOUTH_CODE,
    )


# --- what happened to them ------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    code: str
    low: int
    high: int
    step: int = 1
    chance: float = 1.0
    per: str = ""  # multiply by this context value (e.g. one school kit per child)


@dataclass(frozen=True)
class Template:
    kind: NeedKind
    texts: tuple[str, ...]
    items: tuple[Item, ...]  # the first item is always asked for
    urgencies: tuple[Urgency, ...]
    flood: int  # weight under the 2020 flood and with no campaign
    storm: int  # weight under the 2025 storm
    where: str = ""  # "mountain" or "coast" limits where the template applies
    household: tuple[int, int] = (2, 7)
    context: bool = True  # may add a sentence about the family
    damage: tuple[DamageLevel, ...] = ()  # to the house or building, one per text; none if empty


HOUSEHOLD, COMMUNITY, INSTITUTION = NeedKind.HOUSEHOLD, NeedKind.COMMUNITY, NeedKind.INSTITUTION
LOW, MEDIUM, HIGH, CRITICAL = Urgency.LOW, Urgency.MEDIUM, Urgency.HIGH, Urgency.CRITICAL
NO_DAMAGE, MINOR, MAJOR, DESTROYED = DamageLevel.NONE, DamageLevel.MINOR, DamageLevel.MAJOR, DamageLevel.DESTROYED
M = 1_000_000  # đồng

# fmt: off
TEMPLATES: tuple[Template, ...] = (
    Template(HOUSEHOLD, (
        "Nhà bị tốc {roof_part} trong {cause}, nước mưa dột làm hư hỏng đồ đạc và lương thực.",
        "Gió mạnh trong {cause} làm tốc {roof_part}, gia đình đang che tạm bằng bạt.",
        "Mái tôn bị gió cuốn bay, tường nhà bị nứt, cần lợp lại trước khi có đợt mưa mới.",
    ), (Item("roofing-sheet", 10, 60), Item("cash-house-repair", 5 * M, 20 * M, M // 2, 0.5), Item("tarpaulin", 1, 3, chance=0.3)),
        (HIGH, HIGH, CRITICAL, MEDIUM), flood=3, storm=8, damage=(MINOR, MINOR, MAJOR)),
    Template(HOUSEHOLD, (
        "Nhà cấp bốn bị sập {collapse_part} sau {cause}, gia đình phải ở nhờ nhà người thân.",
        "Nước lũ xói chân móng làm sập {collapse_part}, phần còn lại có nguy cơ đổ, không thể ở được.",
        "Cây đổ trong {cause} đè sập {collapse_part}, rất may không có người bị thương.",
    ), (
        Item("cash-house-repair", 20 * M, 50 * M, M), Item("cement", 10, 40, chance=0.5),
        Item("brick", 500, 3000, 100, 0.4), Item("tarpaulin", 1, 2, chance=0.5), Item("blanket", 2, 5, chance=0.3),
    ), (CRITICAL, CRITICAL, HIGH), flood=2, storm=3, damage=(MAJOR, MAJOR, MAJOR)),
    Template(HOUSEHOLD, (
        "Nhà bị ngập sâu {depth} m trong {days} ngày, toàn bộ lương thực và đồ dùng sinh hoạt bị hư hỏng.",
        "Nước lên nhanh trong đêm, gia đình chỉ kịp chạy lên gác, mất hết gạo, chăn màn và bếp nấu.",
        "Nhà ở vùng trũng ven {river}, ngập sâu {depth} m, giường tủ và đồ dùng bị nước cuốn trôi.",
    ), (
        Item("rice", 20, 200, 5), Item("blanket", 2, 5, chance=0.6), Item("mosquito-net", 2, 4, chance=0.5),
        Item("cooking-set", 1, 1, chance=0.4), Item("water-filter", 1, 1, chance=0.3),
        Item("drinking-water", 20, 100, 10, 0.3), Item("bed-mat", 1, 2, chance=0.3), Item("clothes-set", 2, 6, chance=0.3),
    ), (HIGH, MEDIUM, HIGH, CRITICAL), flood=8, storm=2, damage=(MINOR, MINOR, MINOR)),
    Template(HOUSEHOLD, (
        "Lũ cuốn trôi lúa giống dự trữ và {sao} sào lúa mới gieo, gia đình cần giống để gieo cấy lại vụ Đông Xuân.",
        "Ruộng lúa và vườn rau bị bùn đất vùi lấp sau {cause}, gia đình mất nguồn lương thực cho cả năm.",
    ), (Item("rice-seed", 20, 150, 5), Item("vegetable-seed", 2, 10, chance=0.5), Item("cash-livelihood", 5 * M, 15 * M, M // 2, 0.3)),
        (MEDIUM, MEDIUM, HIGH, LOW), flood=4, storm=1),
    Template(HOUSEHOLD, (
        "Lũ cuốn trôi {pigs} con lợn và đàn gà, chuồng trại bị hư hỏng, gia đình mất nguồn thu nhập chính.",
        "Chuồng trại bị sập trong {cause}, {pigs} con lợn nái và lợn thịt bị chết.",
    ), (Item("piglet", 2, 10), Item("chicken", 20, 100, 10, 0.5), Item("cash-livelihood", 5 * M, 20 * M, M, 0.3)),
        (MEDIUM, MEDIUM, LOW, HIGH), flood=3, storm=1),
    Template(HOUSEHOLD, (
        "Lũ về nhanh, gia đình không kịp đưa bò lên chỗ cao, {cows} con bò bị nước cuốn trôi.",
        "Chuồng bò bị sập trong {cause}, {cows} con bò bị chết, gia đình không còn sức kéo cho vụ tới.",
    ), (Item("cow", 1, 1, per="cows"), Item("cash-livelihood", 5 * M, 20 * M, M, 0.3)), (MEDIUM, HIGH, LOW), flood=2, storm=1),
    Template(HOUSEHOLD, (
        "Gia đình có {children} con đang đi học, sách vở và đồ dùng học tập bị nước cuốn trôi.",
        "Nhà bị ngập, {children} cháu đang đi học mất hết sách giáo khoa và cặp sách.",
    ), (
        Item("school-kit", 1, 1, per="children"), Item("textbook-set", 1, 1, chance=0.8, per="children"),
        Item("school-bag", 1, 1, chance=0.5, per="children"), Item("clothes-set", 1, 2, chance=0.3, per="children"),
    ), (MEDIUM, HIGH, MEDIUM), flood=2, storm=1, household=(3, 7), damage=(NO_DAMAGE, MINOR)),
    Template(HOUSEHOLD, (
        "Chủ hộ là người cao tuổi sống một mình, nhà bị ngập và hư hỏng nặng, không có khả năng tự khắc phục.",
        "Chủ hộ là người cao tuổi neo đơn, nhà xuống cấp lại hư hỏng thêm sau {cause}, thiếu lương thực và thuốc men.",
    ), (
        Item("rice", 20, 60, 5), Item("cash-house-repair", 5 * M, 20 * M, M // 2, 0.6),
        Item("household-medicine", 1, 1, chance=0.5), Item("blanket", 1, 2, chance=0.5),
    ), (HIGH, CRITICAL, HIGH), flood=2, storm=2, household=(1, 1), context=False, damage=(MAJOR, MINOR)),
    Template(HOUSEHOLD, (
        "Sạt lở đất vùi lấp một phần nhà và vườn cây, gia đình phải di dời khẩn cấp.",
        "Taluy sau nhà bị sạt lở, đất đá tràn vào gian bếp, nhà có nguy cơ bị vùi lấp nếu mưa tiếp.",
    ), (
        Item("cash-house-repair", 20 * M, 50 * M, M), Item("tarpaulin", 1, 3, chance=0.5),
        Item("fruit-seedling", 20, 100, 10, 0.3), Item("rice", 20, 80, 5, 0.4),
    ), (CRITICAL, HIGH, CRITICAL), flood=4, storm=4, where="mountain", damage=(MAJOR, MAJOR)),
    Template(HOUSEHOLD, (
        "Thuyền đánh cá bị sóng lớn đánh chìm trong {cause}, ngư cụ hư hỏng, gia đình mất sinh kế.",
        "Lưới và thúng chai bị cuốn trôi, gia đình chưa thể ra khơi trở lại.",
    ), (Item("cash-livelihood", 10 * M, 50 * M, M), Item("rice", 20, 60, 5, 0.4)), (HIGH, MEDIUM), flood=3, storm=5, where="coast"),
    Template(HOUSEHOLD, (
        "Giếng nước bị nhiễm bẩn sau {cause}, gia đình thiếu nước sạch để ăn uống.",
    ), (Item("water-filter", 1, 1), Item("water-purification", 1, 3, chance=0.6), Item("drinking-water", 20, 60, 10, 0.5)),
        (MEDIUM, HIGH), flood=2, storm=1),
    Template(COMMUNITY, (
        "Nhà văn hóa thôn, nơi bà con tránh trú khi có lũ, bị tốc mái và ngập sâu {depth} m.",
    ), (Item("roofing-sheet", 40, 150, 5), Item("cement", 20, 80, chance=0.5), Item("cash-house-repair", 30 * M, 100 * M, 5 * M, 0.4)),
        (HIGH, MEDIUM), flood=2, storm=3, damage=(MAJOR,)),
    Template(COMMUNITY, (
        "Đường liên thôn bị sạt lở nhiều đoạn, xe chở hàng cứu trợ chưa vào được.",
    ), (Item("cement", 100, 400, 10), Item("brick", 1000, 5000, 500, 0.4)), (HIGH, CRITICAL), flood=2, storm=2),
    Template(COMMUNITY, (
        "Khoảng {households} hộ dân ở vùng trũng ven {river} bị cô lập, cần lương thực và nước uống trong những ngày nước chưa rút.",
    ), (
        Item("rice", 300, 2000, 50), Item("drinking-water", 200, 1000, 50), Item("instant-noodles", 20, 100, 5, 0.6),
        Item("cooking-oil", 20, 100, 5, 0.4),
    ), (CRITICAL, CRITICAL, HIGH), flood=4, storm=1),
    Template(COMMUNITY, (
        "Nguồn nước sinh hoạt chung của thôn bị nhiễm bẩn sau lũ, có nguy cơ phát sinh dịch bệnh.",
    ), (Item("water-purification", 20, 100, 5), Item("water-filter", 10, 40, chance=0.6), Item("first-aid-kit", 5, 20, chance=0.4)),
        (HIGH, MEDIUM), flood=2, storm=1),
    Template(COMMUNITY, (
        "Nhiều hộ trong thôn bị tốc mái, cần bạt và tôn để che chắn tạm trong khi chờ sửa chữa.",
    ), (Item("tarpaulin", 20, 100, 5), Item("roofing-sheet", 100, 400, 10, 0.6)), (MEDIUM, HIGH), flood=1, storm=4, damage=(MINOR,)),
    Template(COMMUNITY, (
        "Nhiều hộ trong thôn mất trắng lúa giống, cần giống để kịp gieo cấy vụ Đông Xuân.",
    ), (Item("rice-seed", 500, 3000, 50), Item("vegetable-seed", 20, 100, 5, 0.5)), (MEDIUM, LOW), flood=3, storm=1),
    Template(INSTITUTION, (
        "Trường tiểu học bị ngập sâu {depth} m, bàn ghế, sách vở và thiết bị dạy học hư hỏng nặng.",
    ), (
        Item("school-kit", 50, 300, 10), Item("textbook-set", 50, 300, 10, 0.7), Item("cash-house-repair", 50 * M, 300 * M, 5 * M, 0.5),
    ), (HIGH, HIGH, MEDIUM), flood=3, storm=1, damage=(MINOR,)),
    Template(INSTITUTION, (
        "Trường mầm non bị tốc mái, tường rào bị đổ, chưa thể đón trẻ trở lại lớp.",
    ), (Item("roofing-sheet", 60, 200, 5), Item("cement", 30, 100, chance=0.5), Item("cash-house-repair", 30 * M, 150 * M, 5 * M, 0.5)),
        (HIGH, CRITICAL), flood=1, storm=3, damage=(MAJOR,)),
    Template(INSTITUTION, (
        "Trạm y tế bị ngập, thuốc và trang thiết bị khám chữa bệnh hư hỏng, cần bổ sung gấp để phòng dịch sau lũ.",
    ), (
        Item("household-medicine", 20, 100, 5), Item("first-aid-kit", 20, 60, 5, 0.7), Item("water-purification", 20, 100, 5, 0.5),
        Item("cash-house-repair", 20 * M, 100 * M, 5 * M, 0.3),
    ), (CRITICAL, HIGH), flood=3, storm=2, damage=(MINOR,)),
    Template(INSTITUTION, (
        "Trường trung học cơ sở bị hư hỏng mái và hệ thống điện, nhiều học sinh mất sách vở.",
    ), (Item("roofing-sheet", 50, 200, 5), Item("textbook-set", 50, 200, 10, 0.6), Item("school-bag", 50, 200, 10, 0.5)),
        (HIGH, MEDIUM), flood=2, storm=2, damage=(MAJOR,)),
    Template(INSTITUTION, (
        "Điểm trường lẻ vùng cao bị sạt lở taluy, cần sửa chữa phòng học và bổ sung đồ dùng học tập.",
    ), (Item("cash-house-repair", 30 * M, 100 * M, 5 * M), Item("school-kit", 20, 80, 5, 0.7), Item("blanket", 20, 60, 5, 0.3)),
        (HIGH, CRITICAL), flood=2, storm=2, where="mountain", damage=(MAJOR,)),
)
# fmt: on

CHECKED = ("Trưởng thôn đã xác nhận thiệt hại.", "Cán bộ xã đã kiểm tra thực tế.")
REJECT_REASONS = (
    "Thiếu ảnh hiện trạng sau lũ, đề nghị bổ sung.",
    "Số lượng đề nghị chưa khớp với biên bản kiểm tra thực tế.",
    "Chưa có xác nhận của trưởng thôn.",
    "Mô tả chưa rõ mức độ thiệt hại, đề nghị ghi cụ thể hơn.",
    "Hộ đã nhận hỗ trợ sửa nhà từ ngân sách, đề nghị điều chỉnh nhu cầu.",
)
RESUBMIT_NOTES = ("Đã bổ sung xác nhận của thôn.", "Đã điều chỉnh số lượng theo biên bản.", "Đã ghi rõ mức độ thiệt hại.")
CANCEL_REASONS = (
    "Trùng với nhu cầu đã ghi nhận trước đó.",
    "Hộ đã được doanh nghiệp hỗ trợ trực tiếp đủ nhu cầu.",
    "Gia đình đã chuyển đến ở với con cháu ở địa phương khác.",
    "Ghi nhầm địa bàn, đã ghi nhận lại đúng xã.",
)
VERIFY_NOTES = ("", "", "", "Đã kiểm tra thực tế cùng trưởng thôn.", "Đã đối chiếu danh sách hộ bị thiệt hại của xã.")

KIND_WEIGHTS = ((HOUSEHOLD, 82), (COMMUNITY, 10), (INSTITUTION, 8))
# Most needs are published (70 %) so the public portal looks alive, most of those still open;
# every other state is present too. Closed needs lie only in the communes with demo officers,
# the only ones who can confirm a delivery on the ground.
STATUS_SHARES = (
    (NeedStatus.SUBMITTED, 0.10),
    (NeedStatus.DRAFT, 0.07),
    (NeedStatus.REJECTED, 0.07),
    (NeedStatus.CANCELLED, 0.06),
    (NeedStatus.PARTIALLY_PLEDGED, 0.05),
    (NeedStatus.FULLY_PLEDGED, 0.02),
    (NeedStatus.DELIVERED, 0.01),
    (NeedStatus.CLOSED, 0.01),
)
COVERED = {NeedStatus.PARTIALLY_PLEDGED, NeedStatus.FULLY_PLEDGED, NeedStatus.DELIVERED, NeedStatus.CLOSED}
DETOUR_SHARE = 0.08  # verified needs that were returned once and corrected first


# --- planning (pure) ------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedPlan:
    data: NeedData
    status: NeedStatus  # where the need ends up
    steps: tuple[tuple[str, str], ...]  # (submit|verify|reject|cancel, reason) after creation
    pledges: tuple[PledgePlan, ...] = ()  # made once the need is verified, in this order


def _status_quota(count: int, rng: random.Random, *, minimum: int = 1) -> list[NeedStatus]:
    statuses: list[NeedStatus] = []
    for status, share in STATUS_SHARES:
        statuses += [status] * max(minimum, round(count * share))
    statuses = [NeedStatus.VERIFIED] * max(count - len(statuses), 0) + statuses
    statuses = statuses[:count]
    rng.shuffle(statuses)
    return statuses


def _steps(status: NeedStatus, rng: random.Random) -> tuple[tuple[str, str], ...]:
    if status == NeedStatus.DRAFT:
        return ()
    if status == NeedStatus.SUBMITTED:
        return (("submit", ""),)
    if status == NeedStatus.REJECTED:
        return (("submit", ""), ("reject", rng.choice(REJECT_REASONS)))
    if status == NeedStatus.VERIFIED or status in COVERED:  # pledged after verification
        verify = ("verify", rng.choice(VERIFY_NOTES))
        if rng.random() < DETOUR_SHARE:
            return (("submit", ""), ("reject", rng.choice(REJECT_REASONS)), ("submit", rng.choice(RESUBMIT_NOTES)), verify)
        return (("submit", ""), verify)
    # Cancelled: while a draft, while waiting, or after publication once help came from elsewhere.
    cancel = ("cancel", rng.choice(CANCEL_REASONS))
    return rng.choice([(cancel,), (("submit", ""), cancel), (("submit", ""), ("verify", ""), cancel)])


def _person(rng: random.Random) -> tuple[str, bool]:
    female = rng.random() < 0.45
    family = rng.choices([f for f, _ in FAMILY_NAMES], weights=[w for _, w in FAMILY_NAMES])[0]
    middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
    given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    return f"{family} {middle} {given}", female


def _id_number(rng: random.Random, *, female: bool, north: bool) -> str:
    # CCCD layout: birth-province code (044 Quảng Bình, 045 Quảng Trị), sex and century, year, serial.
    year = rng.randint(1940, 2002)
    sex_century = (0 if year < 2000 else 2) + (1 if female else 0)
    return f"{'044' if north else '045'}{sex_century}{year % 100:02d}{rng.randrange(10**6):06d}"


def _quantity(item: Item, rng: random.Random, context: Mapping[str, int]) -> int:
    quantity = rng.randrange(item.low, item.high + 1, item.step)
    return quantity * context[item.per] if item.per else quantity


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _pick_template(rng: random.Random, *, kind: NeedKind, campaign: str | None, commune: Commune) -> Template:
    eligible = [
        t
        for t in TEMPLATES
        if t.kind == kind and (not t.where or (t.where == "mountain" and commune.mountain) or (t.where == "coast" and commune.coastal))
    ]
    weights = [t.storm if campaign == STORM_2025 else t.flood for t in eligible]
    return rng.choices(eligible, weights=weights)[0]


def _pick_campaign(rng: random.Random, commune: Commune) -> str | None:
    # The 2025 storm struck the north of today's province hardest; the 2020 flood the south.
    weights = (0.30, 0.55, 0.15) if commune.north else (0.60, 0.25, 0.15)
    return rng.choices([FLOOD_2020, STORM_2025, None], weights=weights)[0]


def _point(rng: random.Random, commune: Commune, kind: NeedKind) -> tuple[Decimal | None, Decimal | None]:
    if rng.random() < (0.10 if kind == HOUSEHOLD else 0.05):
        return None, None  # not every officer records a location
    if commune.code == ISLAND:
        lat, lng = commune.lat + rng.uniform(-0.003, 0.003), commune.lng + rng.uniform(-0.003, 0.003)
    else:
        spread = 0.02 if kind == HOUSEHOLD else 0.01
        lat, lng = on_land(commune.lat + rng.uniform(-spread, spread), commune.lng + rng.uniform(-spread, spread))
    return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")


def _plan_one(
    rng: random.Random, *, commune: Commune, status: NeedStatus, item_names: Mapping[str, str], confirming: bool, showcase: bool
) -> NeedPlan:
    # Draw again in the rare case the items cannot reach the planned coverage (one item of one unit
    # cannot be partly pledged): same seed, same draws, same plans.
    for _attempt in range(100):
        data = _need_data(rng, commune=commune, item_names=item_names)
        items = [(i.item_code, Decimal(i.quantity)) for i in data.items]
        pledges = pledge_plans(rng, items=items, target=status, confirming=confirming, showcase=showcase)
        if pledges is not None:
            return NeedPlan(data=data, status=status, steps=_steps(status, rng), pledges=pledges)
    raise ValueError(f"cannot plan a {status} need in {commune.name}")


def _need_data(rng: random.Random, *, commune: Commune, item_names: Mapping[str, str]) -> NeedData:
    kind = rng.choices([k for k, _ in KIND_WEIGHTS], weights=[w for _, w in KIND_WEIGHTS])[0]
    campaign = _pick_campaign(rng, commune)
    template = _pick_template(rng, kind=kind, campaign=campaign, commune=commune)
    size = rng.randint(*template.household)
    context = {
        "children": rng.randint(1, 3),
        "pigs": rng.randint(2, 12),
        "cows": rng.randint(1, 2),
        "sao": rng.randint(3, 9),
        "days": rng.randint(2, 7),
        "households": rng.randrange(20, 160, 5),
        "size": size,
    }
    words = {
        "cause": rng.choice(CAUSES[campaign]),
        "roof_part": rng.choice(ROOF_PARTS),
        "collapse_part": rng.choice(COLLAPSE_PARTS),
        "depth": rng.choice(DEPTHS),
        "river": rng.choice(RIVERS_NORTH if commune.north else RIVERS_SOUTH),
    }
    text = rng.choice(template.texts)
    sentences = [text.format(**context, **words)]
    family = ""
    if kind == HOUSEHOLD and template.context and rng.random() < 0.5:
        options = FAMILY_CONTEXT if size >= 3 else FAMILY_CONTEXT[2:]
        family = rng.choice(options)
        sentences.append(family.format(size=size))
    if rng.random() < 0.25:
        sentences.append(rng.choice(CHECKED))

    items = [template.items[0]] + [i for i in template.items[1:] if rng.random() < i.chance]
    need_items = [NeedItemData(i.code, _quantity(i, rng, context)) for i in items]
    sentences.append("Cần hỗ trợ: " + ", ".join(_lower_first(item_names.get(i.code, i.code)) for i in items) + ".")
    description = " ".join(sentences)

    village = rng.choice(commune.villages) if commune.villages and rng.random() < 0.85 else None
    if village is not None:
        place = village[1]
    elif commune.is_ward:
        place = f"Khu phố {rng.randint(1, 12)}"
    else:
        place = f"Thôn {rng.choice(HAMLETS)}"
    # The head of household (or the contact person of a community or institution): private.
    name, female = _person(rng)
    while fold(name) in fold(description):  # the service refuses a description naming them
        name, female = _person(rng)
    beneficiary = BeneficiaryData(
        full_name=name,
        id_number=_id_number(rng, female=female, north=commune.north) if rng.random() < 0.95 else "",
        phone=f"09{rng.randrange(10**8):08d}" if rng.random() < 0.85 else "",
        address=f"{place}, {commune.name}",
        household_size=size if kind == HOUSEHOLD else None,
        **(_vulnerability(text=text, family=family, size=size, story=description) if kind == HOUSEHOLD else {}),
    )
    latitude, longitude = _point(rng, commune, kind)
    return NeedData(
        area_code=commune.code,
        kind=kind,
        urgency=rng.choice(template.urgencies),
        description=description,
        items=need_items,
        beneficiary=beneficiary,
        village_code=village[0] if village else None,
        latitude=latitude,
        longitude=longitude,
        campaign_code=campaign,
        damage_level=_damage(template, text=text, words=words),
    )


def _damage(template: Template, *, text: str, words: Mapping[str, str]) -> DamageLevel:
    """The damage the chosen story tells of: the template's level for that text, worse when the
    words drawn say so (the whole roof, the whole house, water of two metres or more)."""
    level = template.damage[template.texts.index(text)] if template.damage else NO_DAMAGE
    if "{collapse_part}" in text and words["collapse_part"] == COLLAPSE_PARTS[-1]:  # "toàn bộ ngôi nhà"
        return DESTROYED
    if "{roof_part}" in text and words["roof_part"] == ROOF_PARTS[0]:  # "toàn bộ mái nhà"
        return MAJOR
    if "{depth}" in text and level == MINOR and Decimal(words["depth"].replace(",", ".")) >= 2:
        return MAJOR
    return level


def _vulnerability(*, text: str, family: str, size: int, story: str) -> dict[str, bool]:
    """A household's private vulnerability flags: those its story states (poor or near-poor, an
    elderly person alone, small children), and a few it does not tell, as in real life.

    The untold ones come from a generator of their own, seeded by the story, so they take no draw
    from the plan's generator: the same seed still plans exactly the same needs."""
    own = random.Random(f"vulnerability:{story}")
    flags = {
        "poor_household": "hộ nghèo" in family,
        "near_poor_household": "hộ cận nghèo" in family,
        "elderly_alone": "người cao tuổi sống một mình" in text or "người cao tuổi neo đơn" in text,
        "young_children": "con nhỏ" in family or "trẻ nhỏ" in family,
    }
    # With the stories, about one household in ten is poor and one in ten near-poor: above
    # Quảng Trị's shares (some 6 % and 5 %), as floods hit the poorest hardest.
    if not flags["poor_household"] and not flags["near_poor_household"]:
        roll = own.random()
        flags["poor_household"], flags["near_poor_household"] = roll < 0.04, 0.04 <= roll < 0.08
    flags["disability"] = own.random() < 0.05
    flags["young_children"] = flags["young_children"] or (size >= 3 and own.random() < 0.15)
    flags["pregnant"] = size >= 2 and not flags["elderly_alone"] and own.random() < 0.03
    return flags


def need_plans(
    *, seed: int, count: int, communes: Sequence[Commune], item_names: Mapping[str, str], showcase: Sequence[str] = ()
) -> list[NeedPlan]:
    """Plan ``count`` needs across ``communes``; the same arguments always give the same plans.

    The communes in ``showcase`` are those with demo commune officers. Each gets at least one need
    in every state (when ``count`` allows), so the demo officers who log in there find something in
    each of their lists, and only there are deliveries confirmed (closed needs); with no showcase,
    the needs planned closed stay delivered.
    """
    rng = random.Random(seed)
    statuses = _status_quota(count, rng, minimum=max(1, len(showcase)))
    chosen = rng.choices(list(communes), weights=[c.weight for c in communes], k=count)
    by_code = {c.code: c for c in communes}
    slot = 0
    for code in showcase:
        for status in NeedStatus:
            index = next((i for i in range(slot, count) if statuses[i] == status), None)
            if index is None or code not in by_code:
                continue
            # Swap the status into the next free slot so showcase slots never overlap.
            statuses[slot], statuses[index] = statuses[index], statuses[slot]
            chosen[slot] = by_code[code]
            slot += 1
    confirming = [by_code[code] for code in showcase if code in by_code]
    for index in range(slot, count):
        if statuses[index] == NeedStatus.CLOSED:
            if confirming:
                chosen[index] = rng.choices(confirming, weights=[c.weight for c in confirming])[0]
            else:
                statuses[index] = NeedStatus.DELIVERED
    return [
        _plan_one(
            rng, commune=commune, status=status, item_names=item_names, confirming=commune in confirming, showcase=index < slot
        )
        for index, (commune, status) in enumerate(zip(chosen, statuses, strict=True))
    ]


# --- building (writes through the services) -------------------------------------------------


@dataclass
class DemoSummary:
    needs: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    villages: int = 0
    pledges: Counter[str] = field(default_factory=Counter)
    handovers: int = 0  # open hand-over requests
    money: MoneySummary = field(default_factory=MoneySummary)
    convoys: ConvoySummary = field(default_factory=ConvoySummary)


def demo_blockers() -> list[str]:
    """Why this database does not look like a throw-away demo database (empty list: it does)."""
    reasons = []
    users = User.objects.exclude(username__startswith=DEMO_PREFIX).count()
    if users:
        reasons.append(f"{users} user account(s) whose username does not start with {DEMO_PREFIX!r}")
    needs = Need.objects.exclude(created_by__username__startswith=DEMO_PREFIX).count()
    if needs:
        reasons.append(f"{needs} need(s) recorded by someone other than a demo account")
    return reasons


def demo_loaded() -> int:
    """How many demo needs the database already holds (0: the scenario has not been built)."""
    return Need.objects.filter(created_by__username__startswith=DEMO_PREFIX).count()


def _users() -> dict[str, User]:
    organisations = {name: Organisation.objects.get_or_create(name=name, defaults={"kind": kind})[0] for name, kind in ORGANISATIONS}
    areas = {a.code: a for a in Area.objects.filter(code__in=[u.area_code for u in DEMO_USERS if u.area_code])}
    # Hash once for everyone: each hash costs about 0.3 s by design, and this is a demo password.
    password_hash = make_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User.objects.create_user(
                username=spec.username,
                full_name=spec.full_name,
                email=f"{spec.username}@{DEMO_MAIL_DOMAIN}",
                is_staff=spec.superuser,
                is_superuser=spec.superuser,
            )
            user.password = password_hash
            user.save(update_fields=["password"])
        users[spec.username] = user
        admin = users["demo-admin"]  # first in DEMO_USERS: it assigns everyone else's role
        role_assign(
            actor=None if user == admin else admin,
            user=user,
            role=spec.role,
            area=areas[spec.area_code] if spec.area_code else None,
            organisation=organisations[spec.organisation] if spec.organisation else None,
        )
    # Fresh objects: the scope checks cache role assignments on the user object.
    return {u.username: u for u in User.objects.filter(username__in=users)}


def _campaigns(province: Area) -> None:
    for spec in CAMPAIGNS:
        Campaign.objects.get_or_create(
            code=spec.code,
            defaults={"name": spec.name, "description": spec.description, "area": province, "starts_on": spec.starts_on, "active": True},
        )


def _villages() -> int:
    communes = {a.code: a for a in Area.objects.filter(code__in=VILLAGES, level=AreaLevel.COMMUNE)}
    count = 0
    for commune_code, names in VILLAGES.items():
        for number, name in enumerate(names, start=1):
            village_create(commune=communes[commune_code], code=f"{commune_code}-t{number}", name=name)
            count += 1
    return count


def province_communes() -> list[Commune]:
    """Quảng Trị's current communes with their (fictional) centroids and recorded villages."""
    rows = Area.objects.filter(parent__code=PROVINCE_CODE, level=AreaLevel.COMMUNE, valid_to__isnull=True).order_by("code")
    villages: dict[str, list[tuple[str, str]]] = {}
    for village in Area.objects.filter(level=AreaLevel.VILLAGE, parent__in=rows).select_related("parent").order_by("code"):
        assert village.parent is not None
        villages.setdefault(village.parent.code, []).append((village.code, village.name))
    return [commune_for(code=a.code, name=a.name, division_type=a.division_type, villages=villages.get(a.code, ())) for a in rows]


def _carry_out(plan: NeedPlan, *, creator: User, reviewer: User) -> Need:
    steps = list(plan.steps)
    submit_now = bool(steps) and steps[0][0] == "submit"
    need = need_create(actor=creator, data=plan.data, submit=submit_now)
    if submit_now:
        steps.pop(0)
    verified = False
    for action, reason in steps:
        if action == "submit":
            need = need_submit(actor=creator, need=need, reason=reason)
        elif action == "verify":
            need = need_verify(actor=reviewer, need=need, reason=reason)
            verified = True
        elif action == "reject":
            need = need_reject(actor=reviewer, need=need, reason=reason)
        elif action == "cancel":
            need = need_cancel(actor=reviewer if verified else creator, need=need, reason=reason)
    return need


@transaction.atomic
def demo_build(*, seed: int = DEFAULT_SEED, needs: int = DEFAULT_NEEDS) -> DemoSummary:
    """Build the scenario; the areas must be loaded. One transaction: an interrupted run leaves
    nothing behind, so the next run starts clean instead of finding half a scenario."""
    province = Area.objects.get(code=PROVINCE_CODE)
    summary = DemoSummary(villages=_villages())
    users = _users()
    _campaigns(province)
    # Two real commune teams; every other commune is handled from the province: the committee
    # member records and the administrator verifies, so no one verifies their own entry.
    actors = {
        COMMUNE_A: (users["demo-officer"], users["demo-verifier"]),
        COMMUNE_B: (users["demo-officer-b"], users["demo-province"]),
    }
    fallback = (users["demo-province"], users["demo-admin"])
    item_names = dict(CatalogueItem.objects.values_list("code", "name_vi"))
    plans = need_plans(seed=seed, count=needs, communes=province_communes(), item_names=item_names, showcase=(COMMUNE_A, COMMUNE_B))
    # Only the commune officers of a need's commune confirm what arrived there.
    confirmers = {COMMUNE_A: [users["demo-officer"], users["demo-verifier"]], COMMUNE_B: [users["demo-officer-b"]]}
    today = timezone.localdate()
    for plan in plans:
        creator, reviewer = actors.get(plan.data.area_code, fallback)
        need = _carry_out(plan, creator=creator, reviewer=reviewer)
        if plan.pledges:
            build_pledges(
                need=need,
                plans=plan.pledges,
                donors=users,
                confirmers=confirmers.get(plan.data.area_code, []),
                received_by=plan.data.beneficiary.full_name if plan.data.beneficiary else "",
                today=today,
            )
        summary.needs += 1
    expire_planned(today=today, demo_prefix=DEMO_PREFIX)
    request_handover(donors=users)

    ours = Need.objects.filter(created_by__username__startswith=DEMO_PREFIX)
    summary.money = build_money(seed=seed, specs=FUNDS, users=users, needs=ours, today=today)
    summary.convoys = build_convoys(users=users, communes=(COMMUNE_A, COMMUNE_B), today=today)
    summary.statuses = Counter(dict(ours.values_list("status").annotate(Count("pk")).order_by()))
    pledges = Pledge.objects.filter(need__in=ours)
    summary.pledges = Counter(dict(pledges.values_list("status").annotate(Count("pk")).order_by()))
    summary.handovers = HandoverRequest.objects.filter(pledge__in=pledges, status=HandoverStatus.OPEN).count()
    return summary


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(username, full name, role, area or organisation) of every demo login, in a fixed order."""
    order = {spec.username: index for index, spec in enumerate(DEMO_USERS)}
    rows = []
    assignments = RoleAssignment.objects.filter(user__username__in=order).select_related("user", "area", "organisation")
    for a in sorted(assignments, key=lambda a: (order[a.user.username], a.pk)):
        where = a.area.name if a.area else (a.organisation.name if a.organisation else "")
        rows.append((a.user.username, a.user.full_name, str(a.get_role_display()), where))
    return rows
