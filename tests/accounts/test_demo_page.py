"""GET /demo/: the sample shop with the widget for the demo org, or a clear word on how to create it."""

from apps.accounts.actions import create_organisation


def test_the_demo_shop_embeds_the_widget_for_the_demo_org_at_the_address_it_was_reached_by(horn, server):
    org = create_organisation(name="Demo", allowed_origins=[])
    page = horn.get("/demo/")
    assert page.status_code == 200
    snippet = f'<script src="{server}/static/widget.js" data-horn-cid="{org.pk}" data-horn-server="{server}" async>'
    assert snippet in page.text


def test_without_the_demo_org_it_says_to_run_make_run(horn):
    create_organisation(name="Acme", allowed_origins=[])  # another org is not used in its place
    page = horn.get("/demo/")
    assert page.status_code == 503
    assert "make run" in page.text and "horn_demo" in page.text
    assert "widget.js" not in page.text


def test_the_widget_script_is_served(horn):
    script = horn.get("/static/widget.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "innerHTML" not in script.text  # user text is never parsed as HTML (docs/widget.md, Safety)
