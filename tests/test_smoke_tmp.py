def test_need_flow(cast, make_need):
    need = make_need("verified")
    assert need.status == "verified"
    assert need.code.startswith("HGĐ-")
