def test_voice_becomes_a_numbered_case_with_one_accept_event(make_case):
    case = make_case()
    assert case.number.startswith("MQ-") and case.status == "accepted"
    assert [e.action for e in case.events.all()] == ["accept"]
