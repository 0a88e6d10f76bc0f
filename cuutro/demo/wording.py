"""Vietnamese wording of flood damage, shared by the demo scenario and the benchmark seeder.

Plain data with no Django imports, so ``bench/seed.py`` can use it before Django is set up.
"""

FAMILY_CONTEXT = (
    "Gia đình có {size} người, thu nhập chính từ trồng lúa.",
    "Gia đình có {size} người, sống bằng nghề làm thuê, không có khoản tiết kiệm.",
    "Gia đình thuộc diện hộ cận nghèo, có con nhỏ.",
    "Gia đình thuộc diện hộ nghèo của thôn.",
    "Gia đình có người cao tuổi và trẻ nhỏ, cần được ưu tiên.",
)
ROOF_PARTS = ("toàn bộ mái nhà", "một nửa mái nhà", "mái bếp và chái nhà", "phần mái phía sau")
COLLAPSE_PARTS = ("gian bếp", "một phần tường và mái", "gian nhà chính", "toàn bộ ngôi nhà")
DEPTHS = ("0,8", "1", "1,2", "1,5", "1,8", "2", "2,5", "3")
