"""Seed the item catalogue with what flood-hit households actually need (editable in the admin).

The 2020 floods showed the gap: noodles and clothes piled up while households lacked cash to
repair houses, household goods, seedlings and livestock. The catalogue leads with those.
"""

from django.db import migrations

CATEGORIES = [
    # code, Vietnamese, English, items: (code, Vietnamese, English, unit)
    ("cash", "Tiền sửa chữa nhà, khôi phục sinh kế", "Cash for house repair and livelihoods", [
        ("cash-house-repair", "Tiền sửa chữa nhà", "Cash for house repair", "vnd"),
        ("cash-livelihood", "Tiền khôi phục sinh kế", "Cash to restore livelihoods", "vnd"),
    ]),
    ("building-materials", "Vật liệu xây dựng", "Building materials", [
        ("roofing-sheet", "Tôn lợp mái", "Roofing sheet", "sheet"),
        ("cement", "Xi măng", "Cement", "bag"),
        ("brick", "Gạch xây", "Bricks", "piece"),
        ("tarpaulin", "Bạt che", "Tarpaulin", "piece"),
    ]),
    ("household-goods", "Đồ dùng gia đình", "Household goods", [
        ("cooking-set", "Bộ nồi, bếp nấu", "Cooking set", "set"),
        ("blanket", "Chăn", "Blanket", "piece"),
        ("mosquito-net", "Màn chống muỗi", "Mosquito net", "piece"),
        ("water-filter", "Bình lọc nước", "Water filter", "piece"),
        ("bed-mat", "Giường, chiếu", "Bed and sleeping mat", "set"),
    ]),
    ("food-water", "Lương thực, nước uống", "Food and drinking water", [
        ("rice", "Gạo", "Rice", "kg"),
        ("drinking-water", "Nước uống đóng chai", "Bottled drinking water", "litre"),
        ("cooking-oil", "Dầu ăn", "Cooking oil", "litre"),
        ("instant-noodles", "Mì ăn liền", "Instant noodles", "box"),
    ]),
    ("seedlings-livestock", "Cây giống, con giống", "Seedlings and livestock", [
        ("rice-seed", "Lúa giống", "Rice seed", "kg"),
        ("vegetable-seed", "Hạt giống rau", "Vegetable seed", "bag"),
        ("fruit-seedling", "Cây ăn quả giống", "Fruit tree seedling", "seedling"),
        ("piglet", "Lợn giống", "Piglet", "head"),
        ("chicken", "Gà giống", "Chicken", "head"),
        ("cow", "Bò giống", "Breeding cow", "head"),
    ]),
    ("school-supplies", "Đồ dùng học tập", "School supplies", [
        ("school-kit", "Bộ đồ dùng học tập", "School kit", "set"),
        ("textbook-set", "Bộ sách giáo khoa", "Textbook set", "set"),
        ("school-bag", "Cặp sách", "School bag", "piece"),
    ]),
    ("medicine-health", "Thuốc, y tế", "Medicine and health", [
        ("first-aid-kit", "Túi sơ cứu", "First-aid kit", "set"),
        ("water-purification", "Thuốc khử trùng nước", "Water purification tablets", "box"),
        ("household-medicine", "Tủ thuốc gia đình", "Household medicine kit", "set"),
    ]),
    ("clothing", "Quần áo", "Clothing", [
        ("clothes-set", "Bộ quần áo", "Set of clothes", "set"),
        ("raincoat", "Áo mưa", "Raincoat", "piece"),
    ]),
]


def seed(apps, schema_editor):
    Category = apps.get_model("needs", "Category")
    CatalogueItem = apps.get_model("needs", "CatalogueItem")
    for position, (code, name_vi, name_en, items) in enumerate(CATEGORIES, start=1):
        category, _ = Category.objects.get_or_create(
            code=code, defaults={"name_vi": name_vi, "name_en": name_en, "position": position}
        )
        for item_position, (item_code, item_vi, item_en, unit) in enumerate(items, start=1):
            CatalogueItem.objects.get_or_create(
                code=item_code,
                defaults={
                    "category": category,
                    "name_vi": item_vi,
                    "name_en": item_en,
                    "unit": unit,
                    "position": item_position,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("needs", "0002_postgres_search_indexes")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
