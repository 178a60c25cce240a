// The language select in the page header (templates/console/language_form.html): choosing a
// language posts the form to Django's set_language, which keeps the choice in a cookie and
// reloads this page in it. Not imported by the console's modules: the login and admin pages use it too.

for (const select of document.querySelectorAll("form.language select")) {
  select.addEventListener("change", () => select.form.submit());
}
