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

__all__ = ["Actor", "Unit", "Staff", "Session", "StaffSession"]


class Actor:
    """The engine, with every command run for one actor."""

    def __init__(self, engine, actor):
        self.engine = engine
        self.actor = dict(actor)

    def call(self, command, args=None, data=None, *, idempotency_key=None):
        """:meth:`fuma.Engine.call` with this actor."""
        return self.engine.call(command, args, data, actor=self.actor,
                                idempotency_key=idempotency_key)

    def _case(self, command, args, data=None, version=None, idempotency_key=None):
        if version is not None:
            args = dict(args, version=version)
        return self.call(command, args, data, idempotency_key=idempotency_key)["application"]

    def view(self, case_id):
        """The application page (申请信息录入): status, 最新信息, fields, attachments."""
        return self._case("application.view", {"id": case_id})

    def history(self, uscc=None):
        """历史信息: every application of the unit with its events."""
        return self.call("unit.history", {} if uscc is None else {"uscc": uscc})

    def form(self, case_id):
        """下载表格: the case's form as a :class:`fuma.Result`: the PDF as
        ``.data``, with ``file_name``, ``form``, ``code`` (the form's check
        code, also printed as its QR code) and ``for_signing`` (False before
        复核通过, when the form is marked 仅供核对)."""
        return self.call("application.form", {"id": case_id})

    def __repr__(self):
        return "<fuma.%s %r>" % (type(self).__name__, self.actor)


class Unit(Actor):
    """A unit (机关群团单位) acting on its own applications."""

    def __init__(self, engine, uscc):
        super().__init__(engine, {"unit": uscc})
        self.uscc = uscc

    def start(self, business, *, idempotency_key=None):
        """Open a change / reissue / replace / revoke case; :class:`fuma.OnSiteOnly`
        for initial and extension."""
        return self._case("application.start", {"business": business},
                          idempotency_key=idempotency_key)

    def save(self, case_id, fields, *, version=None):
        """暂存: keep the entry form as it is, complete or not."""
        return self._case("application.save", {"id": case_id, "fields": fields},
                          version=version)

    def submit(self, case_id, *, version=None, idempotency_key=None):
        """提交: every field problem at once (:class:`fuma.InvalidArgument`) or the
        missing attachments (:class:`fuma.MissingAttachments`), else 待受理."""
        return self._case("application.submit", {"id": case_id}, version=version,
                          idempotency_key=idempotency_key)

    def delete(self, case_id):
        """删除申报材料: in 未提交 and 未通过 only."""
        return self.call("application.delete", {"id": case_id})["deleted"]

    def upload(self, case_id, kind, file_name, data):
        """上传附件: ``data`` is the file's bytes; returns the attachment."""
        return self.call("attachment.upload",
                         {"id": case_id, "kind": kind, "file_name": file_name},
                         data)["attachment"]

    def remove(self, case_id, attachment_id):
        """Remove an uploaded attachment; returns the case view."""
        return self._case("attachment.remove", {"id": case_id, "attachment": attachment_id})

    def rules(self, case_id):
        """The attachment checklist that applies to the case."""
        return self.call("attachment.rules", {"id": case_id})


class Staff(Actor):
    """A staff member of a registration authority, as the embedding program
    authenticated them."""

    def __init__(self, engine, username):
        super().__init__(engine, {"staff": username})
        self.username = username

    def register_unit(self, *, name, category, address, responsible_person,
                      valid_until=None):
        """On-site 申请初领: allocate a USCC and create the unit; returns the code."""
        args = {"name": name, "category": category, "address": address,
                "responsible_person": responsible_person}
        if valid_until is not None:
            args["valid_until"] = valid_until
        return self.call("unit.register", args)["uscc"]

    def extend(self, uscc, *, valid_until=None, long_term=False):
        """On-site 证书延期: a later expiry date, or long-term validity."""
        args = {"uscc": uscc}
        if long_term:
            args["long_term"] = True
        else:
            args["valid_until"] = valid_until
        return self.call("certificate.extend", args)["certificate"]

    def step(self, action, case_id, reply=None, *, version=None):
        """Take a workflow step by its action name ("accept", "return", ...)."""
        args = {"id": case_id}
        if reply is not None:
            args["reply"] = reply
        return self._case("application." + action, args, version=version)

    def accept(self, case_id, reply=None, **kw):
        """受理."""
        return self.step("accept", case_id, reply, **kw)

    def reject(self, case_id, reply, **kw):
        """不予通过, with the reply the unit will read (required)."""
        return self.step("reject", case_id, reply, **kw)

    def approve(self, case_id, reply=None, **kw):
        """复核通过 (not by whoever accepted)."""
        return self.step("approve", case_id, reply, **kw)

    def send_back(self, case_id, reply, **kw):
        """复核退回 (the ``return`` action), with the reason (required)."""
        return self.step("return", case_id, reply, **kw)

    def forward(self, case_id, reply=None, **kw):
        """Forward a returned case to review again."""
        return self.step("forward", case_id, reply, **kw)

    def notify(self, case_id, reply, **kw):
        """待通知 → 待打印, telling the unit what to send (required)."""
        return self.step("notify", case_id, reply, **kw)

    def complete(self, case_id, reply=None, **kw):
        """办结: applies the case's effect."""
        return self.step("complete", case_id, reply, **kw)

    def verify_form(self, code=None, *, scan=None):
        """form.verify: whether a printed form still matches its case, from the
        form's ``code`` or a scanned picture of it (``scan``, bytes); returns
        the result (``matches``, ``application``, ``status``, ``message``)."""
        if (code is None) == (scan is None):
            raise TypeError("verify_form takes a code or a scan, not both or neither")
        return self.call("form.verify", {} if code is None else {"code": code}, scan)

    def request_form(self, request_id):
        """The 登录二维码图片申领表 of a credential request, filled in, as a
        :class:`fuma.Result` (the PDF as ``.data``). The blank form needs no
        actor: ``engine.call("credential.request_form")``."""
        return self.call("credential.request_form", {"request": request_id})

    def print_certificate(self, uscc):
        """certificate.print: the unit's certificate as a :class:`fuma.Result`
        (the PDF as ``.data``; ``code``, what its QR code holds, leads to
        certificate.status)."""
        return self.call("certificate.print", {"uscc": uscc})

    def queue(self, status, *, overdue_only=False, limit=None):
        """The authority's cases in a status (key, e.g. "submitted"), every page."""
        args = {"status": status}
        if overdue_only:
            args["overdue_only"] = True
        if limit is not None:
            args["limit"] = limit
        items = []
        while True:
            page = self.call("queue.list", args)
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

    def __init__(self, engine, token, session=None, warning=None):
        Actor.__init__(self, engine, {"session": token})
        self.token = token
        self.session = session
        self.uscc = session["unit"]["uscc"] if session else None
        self.warning = warning

    def get(self):
        """session.get: the session as it is now; also refreshes ``.session``."""
        self.session = self.call("session.get")["session"]
        self.uscc = self.session["unit"]["uscc"]
        return self.session

    def commit(self, text_version=None):
        """session.commit: accept 登录承诺; returns the session.

        ``text_version`` is the version of the text the unit was shown; by
        default the one in ``.session`` (read with :meth:`get` if unknown). A
        text that changed since raises :class:`fuma.Conflict`.
        """
        if text_version is None:
            shown = self.session if self.session is not None else self.get()
            text_version = shown["commitment"]["text_version"]
        self.session = self.call("session.commit", {"text_version": text_version})["session"]
        return self.session

    def logout(self):
        """session.logout: end the session; returns when it ended (``ended_at``)."""
        return self.call("session.logout")["ended_at"]

    def __repr__(self):
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

    def __init__(self, engine, token, staff=None):
        Actor.__init__(self, engine, {"staff_session": token})
        self.token = token
        self.staff = staff
        self.username = staff["username"] if staff else None

    def password(self, new, old):
        """staff.password: change one's own password; every session ends."""
        return self.call("staff.password", {"password": new, "old_password": old})

    def logout(self):
        """staff.logout: end the session; returns when it ended (``ended_at``)."""
        return self.call("staff.logout")["ended_at"]

    def __repr__(self):
        # Never the token: reprs end up in logs.
        return "<fuma.StaffSession of %s>" % (self.username or "an unknown staff member")
