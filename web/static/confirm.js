// Forms that change something for good ask first: <form data-confirm="…">. A select with
// data-autosubmit sends its form when changed. (No inline handlers: the CSP forbids them.)
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
document.addEventListener("change", (event) => {
  if (event.target.dataset && "autosubmit" in event.target.dataset) event.target.form.submit();
});
