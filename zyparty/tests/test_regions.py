import pytest

from zyparty.regions import parse_address, region_label


@pytest.mark.parametrize("text, code", [
    ("广东省深圳市宝安区", "440306"),
    ("广东省深圳市宝安区西乡街道固戍社区", "440306"),
    ("深圳宝安", "440306"),
    ("浙江杭州", "330100"),
    ("浙江省杭州市西湖区", "330106"),
    ("江苏省苏州市昆山市", "320583"),
    ("上海市松江区", "310117"),
    ("新疆", "650000"),
    ("新疆维吾尔自治区乌鲁木齐市", "650100"),
    ("330106", "330106"),
    ("火星", ""),
    ("", ""),
])
def test_parse_address(text, code):
    assert parse_address(text) == code


def test_label():
    assert region_label("440306") == "广东省深圳市宝安区"
    assert region_label("610924") == "陕西省安康市紫阳县"
