"""The verification statement as a PDF on both stores: through the API and from the web
pages of the verifier and the company, with the company and the verified total in its text."""

from __future__ import annotations

import re
import zlib

from verified_case import verified_case

from service_world import PASSWORD, World


def pdf_text(pdf: bytes) -> str:
    """The strings drawn on the PDF's pages (matplotlib writes Latin text in DejaVu with ASCII
    codes, each text object's strings in a TJ array between kerning numbers)."""
    drawn = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue  # an embedded font, not a page
        for text in re.findall(rb"BT(.*?)ET", content, re.S):
            drawn.append(b"".join(re.findall(rb"\(((?:[^()\\]|\\.)*)\)", text)))
    return b"\n".join(drawn).decode("latin-1").replace("\\(", "(").replace("\\)", ")")


def test_the_statement_pdf_names_the_company_and_the_verified_total(world: World) -> None:
    verified_case(world)
    answer = world.client.get("/v1/verification/2016/A1/statement.pdf",
                              headers=world.token("officer-a"))  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert 'filename="verification-statement-A1-2016.pdf"' in answer.headers["content-disposition"]
    assert answer.content.startswith(b"%PDF")
    text = pdf_text(answer.content)
    assert "Company A1 (A1)" in text and "7,221.2" in text and "7,321.2" in text
    assert "double-counted meter" in text and "org (VER)" in text
    again = world.client.get("/v1/verification/2016/A1/statement.pdf",
                             headers=world.token("regulator"))  # fmt: skip
    assert again.content == answer.content  # no timestamp: the same statement, the same bytes
    hidden = world.client.get("/v1/verification/2016/A1/statement.pdf",
                              headers=world.token("officer-b"))  # fmt: skip
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "no_statement")


def test_words_with_fi_extract_as_written_no_ligature_glyph(world: World) -> None:
    # HarfBuzz (matplotlib 3.11) would draw "fi" as one glyph in a second font, so the text
    # extracted as "veri" and "ed" apart and a search for "verified" found nothing.
    verified_case(world)
    pdf = world.client.get("/v1/verification/2016/A1/statement.pdf",
                           headers=world.token("officer-a")).content  # fmt: skip
    text = pdf_text(pdf)
    assert "verified the 2016 greenhouse gas emissions" in text
    assert "Findings" in text


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def _web_login(world: World, username: str):
    client = world.client
    client.cookies.clear()
    token = _csrf(client.get("/login").text)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "totp": world.code(username), "csrf_token": token},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    return client


def test_the_verifier_and_the_company_download_it_from_their_pages(world: World) -> None:
    verified_case(world)
    for username, page in (
        ("verifier", "/verifier?year=2016"),
        ("officer-a", "/reports?year=2016"),
    ):
        client = _web_login(world, username)
        shown = client.get(page).text
        assert 'href="/statements/2016/A1.pdf"' in shown, username
        pdf = client.get("/statements/2016/A1.pdf")
        assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        assert "7,221.2" in pdf_text(pdf.content)
        html = client.get("/statements/2016/A1.html")
        assert html.status_code == 200 and "核查报告" in html.text
        assert html.headers["content-disposition"].startswith("inline")  # opens in the browser
        assert pdf.headers["content-disposition"].startswith("attachment")
    other = _web_login(world, "officer-b")
    refused = other.get("/statements/2016/A1.pdf")
    assert refused.status_code == 404 and "no_statement" in refused.text
    other.cookies.clear()
    assert other.get("/statements/2016/A1.pdf", follow_redirects=False).status_code == 303


def test_the_web_statement_reads_in_the_visitors_language(world: World) -> None:
    """The conclusion, the findings' headings and kinds and the materiality sentence were
    English on a Chinese page; the API's document keeps its English sentences."""
    verified_case(world)
    client = _web_login(world, "officer-a")
    chinese = client.get("/statements/2016/A1.html").text
    assert "已核查；履约采用核查排放量" in chinese and "<th>说明</th>" in chinese
    assert "核查了 Company A1（A1）2016 年度温室气体排放报告" in chinese
    for english in ("the verified figure is used", "<th>Description</th>", "<th>Kind</th>",
                    "of reported", "verified the 2016", "submitted"):  # fmt: skip
        assert english not in chinese, english
    assert "double-counted meter" in chinese  # what the verifier wrote stays as written
    api = world.client.get("/v1/verification/2016/A1/statement.html",
                           headers=world.token("officer-a")).text  # fmt: skip
    assert "verified; the verified figure is used for compliance" in api
    assert "<th>Kind</th>" in api and "verified the 2016 greenhouse gas emissions report" in api
