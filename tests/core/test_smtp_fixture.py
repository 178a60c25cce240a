"""The `smtp` fixture: mail Horn sends over SMTP arrives at a real server on loopback."""

from django.core.mail import send_mail


def test_mail_sent_over_smtp_arrives(smtp):
    send_mail("Hello", "Body text", "horn@example.test", ["ann@example.test"])
    [mail] = smtp.wait(1)
    assert mail["Subject"] == "Hello" and mail["To"] == "ann@example.test"
    assert mail.get_content().strip() == "Body text"
