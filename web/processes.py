"""The process owners' console: every process with its versions, a version's diagram and files,
the diff of two versions, the bpmn-js modeler that saves straight into a checked deployment,
uploads, and the migration of running instances to a newer version (dry run first).
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime.actors import OWNER_ROLES
from runtime.read import definitions
from runtime.services.deployment import KINDS, deploy_as, deploy_changed
from runtime.errors import DeployDrift, DeploymentRejected, InvalidInput
from runtime.services import migration, releases
from web.deploy_messages import deploy_message
from web.params import whole_number
from web.context import current_actor, login_required, roles_required, runtime

bp = Blueprint("processes", __name__, url_prefix="/processes")
MAX_UPLOAD_FILES = 50


@bp.get("/")
@login_required
def index():
    return render_template("processes.html", processes=definitions.catalogue(runtime(), current_actor()))


@bp.get("/<process_id>/v<int:number>")
@login_required
def version(process_id: str, number: int):
    actor = current_actor()
    v = definitions.version(runtime(), actor, process_id, number)
    process = next(p for p in definitions.catalogue(runtime(), actor) if p.process_id == process_id)
    names = sorted(definitions.files(runtime(), v.package_id))
    return render_template("process_version.html", process=process, v=v, names=names,
                           bpmn=[n for n in names if n.endswith(".bpmn")])


@bp.get("/<process_id>/v<int:number>.zip")
@login_required
def download(process_id: str, number: int):
    v = definitions.version(runtime(), current_actor(), process_id, number)
    body = definitions.archive(runtime(), current_actor(), v.package_id)
    return Response(body, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename={process_id}-v{number}.zip"})


@bp.get("/<process_id>/diff")
@login_required
def diff(process_id: str):
    older, newer = _version_arg("from"), _version_arg("to")
    changes = definitions.diff(runtime(), current_actor(), process_id, older, newer)
    return render_template("process_diff.html", process_id=process_id, older=older, newer=newer, changes=changes)


def _version_arg(name: str) -> int:
    number = whole_number(request.values.get(name), name)
    if number is None:
        raise InvalidInput(f"{name} must be a version number", field_errors={name: ""})
    return number


@bp.get("/<process_id>/edit")
@login_required
def edit(process_id: str):
    """The modeler on the newest version of the file that defines ``process_id`` (or ``file``)."""
    v = definitions.version(runtime(), current_actor(), process_id)
    every = sorted(definitions.files(runtime(), v.package_id))
    names = [n for n in every if n.endswith(".bpmn")]
    file = request.args.get("file") or _file_of(process_id, names)
    if file not in names:
        raise InvalidInput(f"the deployment has no diagram '{file}'", field_errors={"file": file})
    forms = [n for n in every if n.endswith(".json")]  # the choices of a user task's form in the panel
    return render_template("process_edit.html", process_id=process_id, v=v, file=file, names=names, forms=forms)


def _file_of(process_id: str, names: list[str]) -> str:
    wanted = f"{process_id}.bpmn"
    return wanted if wanted in names else names[0]


@bp.post("/<process_id>/deploy")
@roles_required(OWNER_ROLES, "deploy process files")
@login_required
def deploy_diagram(process_id: str):
    """Save from the modeler: the changed diagram on top of the version it was opened from.

    Answers JSON: the new versions, or every problem with its file, element and line, so the
    modeler can mark each element.
    """
    body = request.get_json(silent=True) or {}
    file, xml, base = body.get("file"), body.get("xml"), body.get("package_id")
    if not isinstance(file, str) or not file.endswith(".bpmn") or not isinstance(xml, str) or not isinstance(base, int):
        return jsonify({"problems": [{"file": "(request)", "message": "send file (.bpmn), xml and package_id"}]}), 400
    try:
        result = deploy_changed(runtime(), current_actor(), base, {file: xml.encode()}, f"modeler:{file}",
                                force=body.get("force") is True)
    except DeploymentRejected as e:
        return jsonify({"problems": [_problem(p) for p in e.problems]}), 400
    except DeployDrift as drift:  # deployed since this version was opened: say what, and ask
        return jsonify({"drift": _drift(drift)}), 409
    return jsonify({"created": result.created, "versions": result.definitions, "package_id": result.package_id,
                    "version": _shown_version(process_id, result.definitions.get(process_id))})


def _shown_version(process_id: str, number: int | None) -> dict | None:
    """What the modeler's heading says after a deploy: the version it now shows, when and by whom."""
    if number is None:
        return None
    v = definitions.version(runtime(), current_actor(), process_id, number)
    return {"number": v.version, "deployed_by": v.deployed_by, "current": v.current,
            "deployed_at": current_app.jinja_env.filters["local"](v.deployed_at, "%Y-%m-%d %H:%M")}


def _drift(drift: DeployDrift) -> dict:
    d = drift.details
    versions = ", ".join(f"{k} v{v}" for k, v in sorted(d["versions"].items()))
    return {"files": d["files"], "package_id": d["package_id"], "released_by": d["released_by"],
            "message": _("Since you opened this version, %(who)s deployed %(versions)s. Deploying now replaces "
                         "their changes to: %(files)s. Deploy anyway?", who=d["released_by"], versions=versions,
                         files=", ".join(d["files"]))}


def _problem(p) -> dict:
    """One deploy problem for the modeler, its message in the reader's language (English as written)."""
    return {"file": p.file, "element_id": p.element_id, "line": p.line, "message": deploy_message(p.message),
            "original": p.message}


@bp.post("/upload")
@roles_required(OWNER_ROLES, "deploy process files")
@login_required
def upload():
    """Upload .bpmn/.dmn/.json files over the newest deployment of the process named in the form."""
    uploaded = request.files.getlist("files")
    process_id = request.form.get("process_id", "")
    files = {f.filename: f.read() for f in uploaded[:MAX_UPLOAD_FILES] if f and f.filename}
    bad = [n for n in files if KINDS.get("." + n.rsplit(".", 1)[-1].lower()) is None]
    if not files or bad:
        flash(_("Choose .bpmn, .dmn or .json files") + (f": {', '.join(bad)}" if bad else ""), "error")
        return redirect(url_for("processes.index"))
    seen = whole_number(request.form.get("package_id"), "package_id") if request.form.get("package_id") else None
    base = (seen or definitions.version(runtime(), current_actor(), process_id).package_id) if process_id else None
    force = request.form.get("confirm") == "1"
    try:
        if base is None:
            result = deploy_as(runtime(), current_actor(), files, "upload", force)
        else:
            result = deploy_changed(runtime(), current_actor(), base, files, "upload", force)
    except DeploymentRejected as e:
        return render_template("processes.html", processes=definitions.catalogue(runtime(), current_actor()),
                               problems=e.problems), 400
    except DeployDrift as drift:
        return render_template("processes.html", processes=definitions.catalogue(runtime(), current_actor()),
                               drift=_drift(drift)), 409
    versions = ", ".join(f"{k} v{v}" for k, v in result.definitions.items())
    if result.created and result.changed:
        flash(_("Changed: %(files)s. Every process gets a new version together: the processes of one deployment "
                "call each other, so a version is the whole set.", files=", ".join(result.changed)), "ok")
    flash(_("Deployed: %(versions)s", versions=versions) if result.created
          else _("These files were deployed before: new complaints start on %(versions)s again.", versions=versions)
          if result.released else _("Nothing changed: these files are deployed already."), "ok")
    return redirect(url_for("processes.index"))


@bp.post("/<process_id>/v<int:number>/release")
@roles_required(OWNER_ROLES, "choose the version new complaints start on")
@login_required
def release(process_id: str, number: int):
    """Roll back (or forward): new complaints start on this version from now on, with the reason audited."""
    try:
        releases.rollback(runtime(), current_actor(), process_id, number, request.form.get("reason", ""))
    except InvalidInput as error:
        if error.details.get("reason") == "already_current":
            flash(_("Version %(v)s is already the one new complaints start on.", v=number), "error")
        elif (error.field_errors or {}).get("reason") == "long":
            flash(_("The reason may hold at most %(n)s characters.", n=releases.REASON_LIMIT), "error")
        else:
            flash(_("Say why this version is brought back."), "error")
        return redirect(url_for("processes.version", process_id=process_id, number=number))
    flash(_("New complaints now start on version %(v)s. Running complaints stay on their versions.", v=number), "ok")
    return redirect(url_for("processes.version", process_id=process_id, number=number))


@bp.route("/<process_id>/migrate", methods=["GET", "POST"])
@login_required
def migrate(process_id: str):
    """GET: the dry run (which instances of v``from`` can move to v``to``, and why others cannot);
    POST: move them, each in its own transaction, and show the outcome."""
    older, newer = _version_arg("from"), _version_arg("to")
    actor = current_actor()
    if request.method == "POST":
        numbers = request.form.getlist("number")
        if not numbers:
            raise InvalidInput("choose at least one instance to move", field_errors={"number": "required"})
        result = migration.migrate(runtime(), actor, process_id, older, newer, request.form.get("reason", ""), numbers)
        flash(_("Migrated %(moved)s instance(s) to version %(to)s; %(failed)s could not move",
                moved=len(result.moved), to=newer, failed=len(result.failed)), "ok" if not result.failed else "error")
        for number, why in result.failed[:20]:
            flash(f"{number}: {why}", "error")
        versions = urlencode({"from": older, "to": newer})
        return redirect(f"{url_for('processes.migrate', process_id=process_id)}?{versions}")
    candidates = migration.dry_run(runtime(), actor, process_id, older, newer)
    return render_template("process_migrate.html", process_id=process_id, older=older, newer=newer,
                           candidates=candidates)
