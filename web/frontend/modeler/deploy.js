// "Check and deploy": the diagram goes to the server, which runs the command line's checks. A
// version deployed by someone else since this page opened comes back as 409 {drift}: deployed over
// only after the owner confirms. Problems come back translated, with their element.
export async function postDiagram(root, xml, force) {
  const response = await fetch(root.dataset.save, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
    body: JSON.stringify({ file: root.dataset.file, xml, package_id: Number(root.dataset.package), force }),
  });
  const answer = await response.json().catch(() => ({ problems: [{ message: response.statusText }] }));
  if (response.status === 409 && answer.drift) return { drift: answer.drift };
  if (!response.ok) {
    return { problems: answer.problems || [{ message: (answer.error || {}).message || response.statusText }] };
  }
  return { deployed: answer };
}
