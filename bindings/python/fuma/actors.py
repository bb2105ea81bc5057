# SPDX-License-Identifier: Apache-2.0
"""Actor-bound views of an :class:`fuma.Engine`, for scripts that read better
as "this unit submits" or "this acceptor accepts" than as raw commands.

    with fuma.Engine("fuma.db") as engine:
        acc = engine.as_staff("acc")
        code = acc.register_unit(name="深圳市某局", category="机关",
                                 address="深圳市福田区", responsible_person="张三")
        me = engine.as_unit(code)
        case = me.start("reissue")
        me.save(case["id"], {"reason": "证书遗失"})
        me.submit(case["id"])
        acc.accept(case["id"])

A unit that logs in with its login QR image (登录二维码图片) gets a
:class:`Session` instead, which checks the unit itself::

        captcha = engine.call("session.captcha")    # show captcha.data (a PNG)
        me = engine.login(picture, captcha["captcha_id"], answer)
        me.commit()                                 # 登录承诺, before anything else
        case = me.start("reissue")
        me.logout()

Each method is one engine command with this actor; it returns the part of
the result a script wants (the case view for case commands) and raises the
same :class:`fuma.Error` subclasses. ``call`` stays available for anything
without a wrapper. A view holds no state of its own beyond the engine and the
actor, so it is as thread-safe as the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from . import results
from .engine import JSON, BytesLike, Result

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["Actor", "Unit", "Staff", "Session", "StaffSession"]


class Actor:
    """The engine, with every command run for one actor."""

    def __init__(self, engine: Engine, actor: JSON) -> None:
        self.engine = engine
        self.actor = dict(actor)

    def call(self, command: str, args: JSON | None = None, data: BytesLike | None = None,
             *, idempotency_key: str | None = None, request_id: str | None = None) -> Result:
        """:meth:`fuma.Engine.call` with this actor."""
        return self.engine.call(command, args, data, actor=self.actor,
                                idempotency_key=idempotency_key, request_id=request_id)

    def _case(self, command: str, args: JSON, version: int | None = None,
              idempotency_key: str | None = None) -> results.Case:
        if version is not None:
            args = dict(args, version=version)
        answer = self.call(command, args, idempotency_key=idempotency_key)
        return cast(results.Case, answer["application"])

    def view(self, case_id: int) -> results.Case:
        """The application page (申请信息录入): status, 最新信息, fields, attachments."""
        return self._case("application.view", {"id": case_id})

    def history(self, uscc: str | None = None) -> results.UnitHistoryResult:
        """历史信息: every application of the unit with its events."""
        answer = self.call("unit.history", {} if uscc is None else {"uscc": uscc})
        return cast(results.UnitHistoryResult, answer)

    def form(self, case_id: int) -> Result:
        """下载表格: the case's form as a :class:`fuma.Result`: the PDF as
        ``.data``, with ``file_name``, ``form``, ``code`` (the form's check
        code, also printed as its QR code) and ``for_signing`` (False before
        复核通过, when the form is marked 仅供核对)."""
        return self.call("application.form", {"id": case_id})

    def __repr__(self) -> str:
        return "<fuma.%s %r>" % (type(self).__name__, self.actor)


class Unit(Actor):
    """A unit (机关群团单位) acting on its own applications."""

    uscc: str | None

    def __init__(self, engine: Engine, uscc: str) -> None:
        super().__init__(engine, {"unit": uscc})
        self.uscc = uscc

    def preview(self, business: str) -> results.ApplicationPreviewResult:
        """What a business asks before any case exists (its entry form, the
        unit and certificate, the open case in the way); creates nothing."""
        answer = self.call("application.preview", {"business": business})
        return cast(results.ApplicationPreviewResult, answer)

    def start(self, business: str, fields: JSON | None = None, *,
              idempotency_key: str | None = None) -> results.Case:
        """Open a change / reissue / replace / revoke case, with the first 暂存's
        ``fields`` when given; :class:`fuma.OnSiteOnly` for initial and extension."""
        args: JSON = {"business": business}
        if fields is not None:
            args["fields"] = fields
        return self._case("application.start", args, idempotency_key=idempotency_key)

    def save(self, case_id: int, fields: JSON, *, version: int | None = None) -> results.Case:
        """暂存: keep the entry form as it is, complete or not."""
        return self._case("application.save", {"id": case_id, "fields": fields},
                          version=version)

    def submit(self, case_id: int, *, version: int | None = None,
               idempotency_key: str | None = None) -> results.Case:
        """提交: every field problem at once (:class:`fuma.InvalidArgument`) or the
        missing attachments (:class:`fuma.MissingAttachments`), else 待受理."""
        return self._case("application.submit", {"id": case_id}, version=version,
                          idempotency_key=idempotency_key)

    def delete(self, case_id: int) -> int:
        """删除申报材料: in 未提交 and 未通过 only; returns the deleted case's id."""
        answer = cast(results.ApplicationDeleteResult,
                      self.call("application.delete", {"id": case_id}))
        return answer["deleted"]

    def upload(self, case_id: int, kind: str, file_name: str,
               data: BytesLike) -> results.Attachment:
        """上传附件: ``data`` is the file's bytes; returns the attachment."""
        answer = self.call("attachment.upload",
                           {"id": case_id, "kind": kind, "file_name": file_name}, data)
        return cast(results.Attachment, answer["attachment"])

    def remove(self, case_id: int, attachment_id: int) -> results.Case:
        """Remove an uploaded attachment; returns the case view."""
        return self._case("attachment.remove", {"id": case_id, "attachment": attachment_id})

    def rules(self, case_id: int) -> results.AttachmentRulesResult:
        """The attachment checklist that applies to the case."""
        return cast(results.AttachmentRulesResult,
                    self.call("attachment.rules", {"id": case_id}))


class Staff(Actor):
    """A staff member of a registration authority, as the embedding program
    authenticated them."""

    username: str | None

    def __init__(self, engine: Engine, username: str) -> None:
        super().__init__(engine, {"staff": username})
        self.username = username

    def register_unit(self, *, name: str, category: str, address: str,
                      responsible_person: str, valid_until: str | None = None) -> str:
        """On-site 申请初领: allocate a USCC and create the unit; returns the code."""
        args: JSON = {"name": name, "category": category, "address": address,
                      "responsible_person": responsible_person}
        if valid_until is not None:
            args["valid_until"] = valid_until
        answer = cast(results.UnitRegisterResult, self.call("unit.register", args))
        return answer["uscc"]

    def extend(self, uscc: str, *, valid_until: str | None = None,
               long_term: bool = False) -> results.Certificate:
        """On-site 证书延期: a later expiry date, or long-term validity."""
        args: JSON = {"uscc": uscc}
        if long_term:
            args["long_term"] = True
        else:
            args["valid_until"] = valid_until
        answer = cast(results.CertificateExtendResult, self.call("certificate.extend", args))
        return answer["certificate"]

    def step(self, action: str, case_id: int, reply: str | None = None, *,
             version: int | None = None) -> results.Case:
        """Take a workflow step by its action name ("accept", "return", ...)."""
        args: JSON = {"id": case_id}
        if reply is not None:
            args["reply"] = reply
        return self._case("application." + action, args, version=version)

    def accept(self, case_id: int, reply: str | None = None, *,
               version: int | None = None) -> results.Case:
        """受理."""
        return self.step("accept", case_id, reply, version=version)

    def reject(self, case_id: int, reply: str, *,
               version: int | None = None) -> results.Case:
        """不予通过, with the reply the unit will read (required)."""
        return self.step("reject", case_id, reply, version=version)

    def approve(self, case_id: int, reply: str | None = None, *,
                version: int | None = None) -> results.Case:
        """复核通过 (not by whoever accepted)."""
        return self.step("approve", case_id, reply, version=version)

    def send_back(self, case_id: int, reply: str, *,
                  version: int | None = None) -> results.Case:
        """复核退回 (the ``return`` action), with the reason (required)."""
        return self.step("return", case_id, reply, version=version)

    def forward(self, case_id: int, reply: str | None = None, *,
                version: int | None = None) -> results.Case:
        """Forward a returned case to review again."""
        return self.step("forward", case_id, reply, version=version)

    def notify(self, case_id: int, reply: str, *,
               version: int | None = None) -> results.Case:
        """待通知 → 待打印, telling the unit what to send (required)."""
        return self.step("notify", case_id, reply, version=version)

    def complete(self, case_id: int, reply: str | None = None, *,
                 version: int | None = None) -> results.Case:
        """办结: applies the case's effect."""
        return self.step("complete", case_id, reply, version=version)

    def verify_form(self, code: str | None = None, *,
                    scan: BytesLike | None = None) -> results.FormVerifyResult:
        """form.verify: whether a printed form still matches its case, from the
        form's ``code`` or a scanned picture of it (``scan``, bytes); returns
        the result (``matches``, ``application``, ``status``, ``message``)."""
        if (code is None) == (scan is None):
            raise TypeError("verify_form takes a code or a scan, not both or neither")
        answer = self.call("form.verify", {} if code is None else {"code": code}, scan)
        return cast(results.FormVerifyResult, answer)

    def request_form(self, request_id: int) -> Result:
        """The 登录二维码图片申领表 of a credential request, filled in, as a
        :class:`fuma.Result` (the PDF as ``.data``). The blank form needs no
        actor: ``engine.call("credential.request_form")``."""
        return self.call("credential.request_form", {"request": request_id})

    def print_certificate(self, uscc: str) -> Result:
        """certificate.print: the unit's certificate as a :class:`fuma.Result`
        (the PDF as ``.data``; ``code``, what its QR code holds, leads to
        certificate.status)."""
        return self.call("certificate.print", {"uscc": uscc})

    def queue(self, status: str, *, overdue_only: bool = False,
              limit: int | None = None) -> list[results.QueueListResultItem]:
        """The authority's cases in a status (key, e.g. "submitted"), every page."""
        args: JSON = {"status": status}
        if overdue_only:
            args["overdue_only"] = True
        if limit is not None:
            args["limit"] = limit
        items: list[results.QueueListResultItem] = []
        while True:
            page = cast(results.QueueListResult, self.call("queue.list", args))
            items.extend(page["items"])
            if page.get("next") is None:
                return items
            args["after"] = page["next"]


class Session(Unit):
    """A unit logged in with its login QR image: :meth:`fuma.Engine.login`.

    Every command runs with the actor ``{"session": token}``, so the library
    checks the session on each call: after :meth:`logout`, after the session
    times out, or once the credential is revoked (a new picture issued for a
    lost one) every call raises :class:`fuma.SessionExpired`. Until
    :meth:`commit` accepts 登录承诺, every command but ``session.commit``,
    ``session.get`` and ``session.logout`` raises
    :class:`fuma.CommitmentRequired`. The :class:`Unit` methods (start, save,
    submit, upload, ...) work as for an asserted unit.

    Attributes:
        token: the session token, a secret: whoever holds it acts as the unit.
            Keep it to resume the session later with
            ``Session(engine, token)``.
        uscc: the unit's code (None when resumed without the session).
        session: the session as the library last described it: ``unit``,
            ``expires_at``, ``committed``, ``commitment`` (the text to show:
            ``title``, ``paragraphs``, ``accept_label``, ``text_version``).
        warning: the library's warning at login, if any (captcha test mode).
    """

    def __init__(self, engine: Engine, token: str, session: results.Session | None = None,
                 warning: str | None = None) -> None:
        Actor.__init__(self, engine, {"session": token})
        self.token = token
        self.session = session
        self.uscc = session["unit"]["uscc"] if session else None
        self.warning = warning

    def get(self) -> results.Session:
        """session.get: the session as it is now; also refreshes ``.session``."""
        session = cast(results.SessionGetResult, self.call("session.get"))["session"]
        self.session = session
        self.uscc = session["unit"]["uscc"]
        return session

    def commit(self, text_version: str | None = None) -> results.Session:
        """session.commit: accept 登录承诺; returns the session.

        ``text_version`` is the version of the text the unit was shown; by
        default the one in ``.session`` (read with :meth:`get` if unknown). A
        text that changed since raises :class:`fuma.Conflict`.
        """
        if text_version is None:
            shown = self.session if self.session is not None else self.get()
            text_version = shown["commitment"]["text_version"]
        answer = self.call("session.commit", {"text_version": text_version})
        session = cast(results.SessionCommitResult, answer)["session"]
        self.session = session
        return session

    def logout(self) -> str:
        """session.logout: end the session; returns when it ended (``ended_at``)."""
        return cast(results.SessionLogoutResult, self.call("session.logout"))["ended_at"]

    def __repr__(self) -> str:
        # Never the token: reprs end up in logs.
        return "<fuma.Session of %s>" % (self.uscc or "an unknown unit")


class StaffSession(Staff):
    """A staff member logged in with a password: :meth:`fuma.Engine.staff_login`.

    Commands run with the actor ``{"staff_session": token}``: the library
    checks the session on every call (:class:`fuma.SessionExpired` after
    :meth:`logout`, a password change or 30 idle minutes). The :class:`Staff`
    methods work as for an asserted staff member.

    Attributes:
        token: the session token, a secret; ``StaffSession(engine, token)``
            resumes it.
        username: the staff member's username (None when resumed).
        staff: the staff member as the library described them at login.
    """

    def __init__(self, engine: Engine, token: str, staff: results.Staff | None = None) -> None:
        Actor.__init__(self, engine, {"staff_session": token})
        self.token = token
        self.staff = staff
        self.username = staff["username"] if staff else None

    def password(self, new: str, old: str) -> results.StaffPasswordResult:
        """staff.password: change one's own password; every session ends."""
        answer = self.call("staff.password", {"password": new, "old_password": old})
        return cast(results.StaffPasswordResult, answer)

    def logout(self) -> str:
        """staff.logout: end the session; returns when it ended (``ended_at``)."""
        return cast(results.StaffLogoutResult, self.call("staff.logout"))["ended_at"]

    def __repr__(self) -> str:
        # Never the token: reprs end up in logs.
        return "<fuma.StaffSession of %s>" % (self.username or "an unknown staff member")
