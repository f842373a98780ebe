"""The API's OpenAPI document and its docs page in the request's language."""

from django.test import Client


def document(headers=None, **params):
    response = Client().get("/api/v1/openapi.json", params, headers=headers or {})
    assert response.status_code == 200
    return response.json()


def test_the_document_is_in_chinese_for_a_chinese_request(db):
    doc = document({"Accept-Language": "zh-CN,zh;q=0.9"})
    assert doc["info"]["title"] == "SCORE 门户机器接口"
    imports = doc["paths"]["/api/v1/imports/{kind}/"]["post"]
    assert imports["summary"] == "导入多行数据（全部成功或全部不写入），与文件导入使用同一引擎"
    assert imports["responses"]["403"]["description"] == "该客户端只能读取。"
    assert doc["components"]["schemas"]["Error"]["properties"]["error"]["description"] == (
        "出错原因，使用请求的 Accept-Language 语言。"
    )


def test_the_document_is_in_english_for_an_english_request_or_lang(db):
    english = document({"Accept-Language": "en"})
    assert english["info"]["title"] == "SCORE portal machine API"
    assert english["paths"]["/api/v1/districts/"]["get"]["summary"] == "The client's districts"
    assert document({"Accept-Language": "zh-hans"}, lang="en")["info"]["title"] == "SCORE portal machine API"


def test_the_docs_page_asks_for_the_document_in_its_own_language(db):
    for language, lang in (("zh-CN", "zh-hans"), ("en-US", "en")):
        html = Client().get("/api/v1/docs/", headers={"Accept-Language": language}).content.decode()
        assert f'data-schema-url="/api/v1/openapi.json?lang={lang}"' in html
