"""Password change and reset by e-mail: Django's own views in the site's layout, linked from the
header and the sign-in page, in Kazakh, Russian and English; a change revokes the API tokens."""

import re

import pytest
from django.core import mail
from knox.models import AuthToken

pytestmark = pytest.mark.django_db

PASSWORD = "pass-for-tests-1"  # the factories' password
NEW_PASSWORD = "steppe-Horse-under-9-moons"


@pytest.fixture
def worker_with_email(worker):
    worker.email = "aigerim@example.kz"
    worker.save()
    return worker


def test_the_header_links_to_the_password_change_and_the_sign_in_page_to_the_reset(client, worker):
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()
    client.force_login(worker)
    assert 'href="/accounts/password/change/"' in client.get("/cases/").content.decode()


def test_a_password_change_needs_the_old_password(client, worker):
    client.force_login(worker)
    response = client.post("/accounts/password/change/", {"old_password": "wrong", "new_password1": NEW_PASSWORD,
                                                         "new_password2": NEW_PASSWORD})
    assert response.status_code == 200
    assert 'id="id_old_password_errors"' in response.content.decode()
    worker.refresh_from_db()
    assert worker.check_password(PASSWORD)


def test_a_weak_new_password_is_refused_beside_the_field(client, worker):
    client.force_login(worker)
    response = client.post("/accounts/password/change/", {"old_password": PASSWORD, "new_password1": "12345678",
                                                         "new_password2": "12345678"})
    assert response.status_code == 200
    assert 'id="id_new_password2_errors"' in response.content.decode()


def test_a_password_change_keeps_this_session_and_revokes_the_api_tokens(client, worker):
    AuthToken.objects.create(user=worker)
    client.force_login(worker)
    response = client.post("/accounts/password/change/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                         "new_password2": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/change/done/"
    assert "Password changed" in response.content.decode()
    assert client.get("/cases/").status_code == 200  # still signed in here
    worker.refresh_from_db()
    assert worker.check_password(NEW_PASSWORD)
    assert not AuthToken.objects.filter(user=worker).exists()


def test_the_password_change_page_needs_sign_in(client):
    response = client.get("/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def reset_link(message) -> str:
    return re.search(r"https?://[^/]+(/accounts/password/reset/[^/\s]+/[^/\s]+/)", message.body).group(1)


def test_a_password_is_reset_by_the_link_sent_by_e_mail(client, worker_with_email):
    AuthToken.objects.create(user=worker_with_email)
    response = client.post("/accounts/password/reset/", {"email": "AIGERIM@example.kz"}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["aigerim@example.kz"]
    assert mail.outbox[0].subject == "Otbasy: set a new password"
    form = client.get(reset_link(mail.outbox[0]), follow=True)  # Django moves the token out of the URL
    assert 'name="new_password1"' in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
                       follow=True)
    assert done.redirect_chain[-1][0] == "/accounts/password/reset/complete/"
    worker_with_email.refresh_from_db()
    assert worker_with_email.check_password(NEW_PASSWORD)
    assert not AuthToken.objects.filter(user=worker_with_email).exists()
    # The link works once.
    again = client.get(reset_link(mail.outbox[0]), follow=True)
    assert "no longer valid" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, worker_with_email):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.kz"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/done/"
    assert mail.outbox == []


@pytest.mark.parametrize(("language", "title"), [
    ("kk", "Құпиясөзді қалпына келтіру"), ("ru", "Сброс пароля"), ("en", "Reset password"),
])
def test_the_reset_page_is_translated(client, language, title):
    client.cookies["django_language"] = language
    response = client.get("/accounts/password/reset/")
    assert f"<h1>{title}</h1>" in response.content.decode()


@pytest.mark.parametrize(("language", "text"), [("kk", "Құпиясөзді өзгерту"), ("ru", "Сменить пароль")])
def test_the_change_page_is_translated(client, worker, language, text):
    client.force_login(worker)
    client.cookies["django_language"] = language
    assert f"<h1>{text}</h1>" in client.get("/accounts/password/change/").content.decode()


def test_the_reset_e_mail_is_in_the_users_language(client, worker_with_email):
    client.cookies["django_language"] = "ru"
    client.post("/accounts/password/reset/", {"email": "aigerim@example.kz"})
    assert mail.outbox[0].subject == "Otbasy: задайте новый пароль"
    assert "Ссылка действует один раз" in mail.outbox[0].body


def test_the_password_rules_are_in_kazakh_too(client, worker):
    """Django's Kazakh catalogue lacks the password rules; the project's catalogue has them."""
    client.force_login(worker)
    client.cookies["django_language"] = "kk"
    page = client.get("/accounts/password/change/").content.decode()
    assert "Құпиясөз тек сандардан тұрмауы керек." in page
    assert "Тексеру үшін жоғарыдағы құпиясөзді қайта енгізіңіз." in page
    assert "Пароль" not in page  # no Russian fallback
    response = client.post("/accounts/password/change/", {"old_password": PASSWORD, "new_password1": "1234",
                                                         "new_password2": "1234"})
    assert "Бұл құпиясөз тым қысқа. Онда кемінде 8 таңба болуы керек." in response.content.decode()
