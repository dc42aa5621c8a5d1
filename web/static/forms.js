// Form widgets: list fields gain and lose rows (the server still checks every row and the count).
document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-row]");
  if (add) {
    const list = document.getElementById(add.dataset.addRow);
    const rows = list.querySelectorAll(".row-item");
    if (list.dataset.max && rows.length >= Number(list.dataset.max)) return;
    const row = rows[rows.length - 1].cloneNode(true);
    clear(row);  // a table's row has several inputs and choices: all start empty
    list.appendChild(row);
    row.querySelector("input, select").focus();
    return;
  }
  const remove = event.target.closest("[data-remove-row]");
  if (remove) {
    const row = remove.closest(".row-item");
    const list = row.parentElement;
    if (list.querySelectorAll(".row-item").length > 1) row.remove();
    else clear(row);
  }
});

function clear(row) {
  row.querySelectorAll("input, select").forEach((el) => { el.value = ""; });
}
