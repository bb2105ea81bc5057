"""The result of every fuma command, as TypedDicts.

Generated from the library's command registry (``fuma.commands``) by
bindings/python/generate_results.py; do not edit. A command's result is
``<Command>Result`` (``application.view`` gives ``ApplicationViewResult``);
the records several commands share carry their definition's name (``Case``,
``Unit``, ``Attachment``, ...). At run time these are plain dicts: the
:class:`fuma.Result` of a call is one, so ``typing.cast`` names its type::

    from typing import cast
    from fuma.results import UnitHistoryResult

    history = cast(UnitHistoryResult, engine.call("unit.history", {"uscc": code}))

The actor views (fuma.actors) return these types already.
"""

from typing import Any, Literal, NotRequired, TypedDict


class Named(TypedDict):
    """a key of the workflow definition or the checklist, with its label, null for a
    key they do not know
    """
    key: str
    label: str | None


class CaseStatus(TypedDict):
    key: str
    label: str | None
    editable: NotRequired[bool]
    deletable: NotRequired[bool]
    final: NotRequired[bool]


class CaseProgress(TypedDict):
    key: str
    label: str
    current: bool


class CaseLatest(TypedDict):
    reply: str
    at: str
    action: str
    #: the status the step led to
    status: Named


class Certificate(TypedDict):
    serial: str
    issued_on: str
    #: null when long-term valid
    valid_until: str | None
    long_term: bool
    #: 长期有效, or the expiry date
    validity: str
    status: Literal["active", "superseded", "revoked"]


class CaseOutcome(TypedDict):
    #: the final status' label, 已办结
    status: str
    completed_at: str
    #: what was done: the business's workflow outcome
    summary: str | None
    #: what the unit does next (领取 the new certificate, ...): the business's workflow
    #: next_steps
    next_steps: str | None
    #: the certificate this completion issued (补领, 换领) while it is the unit's active
    #: one; else null
    certificate: Certificate | None


class FieldsItem(TypedDict):
    item: NotRequired[Literal["name", "address", "responsible_person", "category", "validity"]]
    label: NotRequired[str]
    old: NotRequired[str]
    new: NotRequired[str]


class Fields(TypedDict):
    """the entry form (申请信息录入): a reason, and for a change its items"""
    reason: NotRequired[str]
    items: NotRequired[list[FieldsItem]]


class Attachment(TypedDict):
    id: int
    kind: str
    label: str | None
    file_name: str
    media_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int
    #: the same as digest, kept from when SHA-256 was the only digest; under the sm
    #: crypto suite it is SM3: read digest and digest_algorithm
    sha256: str
    #: the content's digest by the store's crypto suite
    digest: str
    #: sha256 under the standard crypto suite, sm3 under sm
    digest_algorithm: Literal["sha256", "sm3"]
    uploaded_at: str
    type: NotRequired[Literal["pdf", "jpeg", "png"] | None]


class CaseAction(TypedDict):
    action: str
    command: str
    to: NotRequired[Named]
    reply: NotRequired[Literal["none", "optional", "required"]]


class Unit(TypedDict):
    uscc: str
    name: str
    #: 机关, 群团 or 其他
    category: str
    address: str
    responsible_person: str
    revoked: bool
    created_at: str
    updated_at: str


class Case(TypedDict):
    """the application page (申请信息录入) as this actor sees it"""
    id: int
    business: Named
    status: CaseStatus
    progress: list[CaseProgress]
    #: 最新信息: the authority's last reply this actor may read (a unit never reads a step's
    #: reply whose workflow reply_to is staff, e.g. 复核退回); a step without a reply leaves
    #: it as it was
    latest_reply: str
    #: latest_reply with the step that wrote it; null when there is none
    latest: None | CaseLatest
    #: what 已办结 did; null until the case is final
    outcome: None | CaseOutcome
    fields: Fields
    attachments: list[Attachment]
    actions: list[CaseAction]
    version: int
    open: bool
    created_at: str
    updated_at: str
    status_since: str
    due: str | None
    overdue: bool
    due_warning: NotRequired[str]
    unit: Unit
    certificate: Certificate | None


class ApplicationAcceptResult(TypedDict):
    """The result of application.accept: Accept a submitted case (待受理 → 待复核)."""
    ok: Literal[True]
    application: Case


class ApplicationApproveResult(TypedDict):
    """The result of application.approve: Approve an accepted case (→ 待通知); four eyes:
    not its acceptor.
    """
    ok: Literal[True]
    application: Case


class ApplicationCompleteResult(TypedDict):
    """The result of application.complete: Complete the case (→ 已办结): the business
    takes effect on the unit.
    """
    ok: Literal[True]
    application: Case


class ApplicationDeleteResult(TypedDict):
    """The result of application.delete: Delete the application and all its material
    (in 未提交 and 未通过 only).
    """
    ok: Literal[True]
    deleted: int


class ApplicationFormResult(TypedDict):
    """The result of application.form: The case's form as a PDF: marked 仅供核对 until
    复核通过, then the one to sign and stamp.
    """
    ok: Literal[True]
    media_type: Literal["application/pdf"]
    file_name: str
    #: the form template's key
    form: str
    #: false: marked 仅供核对
    for_signing: bool
    #: the check code printed as the form's QR code
    code: str


class ApplicationForwardResult(TypedDict):
    """The result of application.forward: Send a returned case to review again (→ 待复核)."""
    ok: Literal[True]
    application: Case


class ApplicationNotifyResult(TypedDict):
    """The result of application.notify: Tell the unit what to send or hand in, as
    reply (→ 待打印).
    """
    ok: Literal[True]
    application: Case


class ApplicationPreviewResultProgress(TypedDict):
    key: str
    label: str
    current: bool


class ApplicationPreviewResultOpenApplication(TypedDict):
    id: int
    business: Named
    status: Named


class ApplicationPreviewResult(TypedDict):
    """The result of application.preview: What a business asks before any case exists:
    its entry form, the unit and certificate its old values come from, and the open
    case that would block a new one. Creates nothing.
    """
    ok: Literal[True]
    business: Named
    #: the entry form: change items with old and new values, or a reason
    entry: Literal["change_items", "reason"]
    #: where the case starts: 未提交
    initial_status: Named
    #: 办理进度 as the case would show it, at initial_status
    progress: list[ApplicationPreviewResultProgress]
    unit: Unit
    certificate: Certificate | None
    #: the unit's open case, at most one: application.start answers CONFLICT while there
    #: is one
    open_application: None | ApplicationPreviewResultOpenApplication


class ApplicationRejectResult(TypedDict):
    """The result of application.reject: Reject a case, with the reason as reply (→
    未通过).
    """
    ok: Literal[True]
    application: Case


class ApplicationReturnResult(TypedDict):
    """The result of application.return: Return an accepted case to its acceptor, with
    the reason (→ 复核退回).
    """
    ok: Literal[True]
    application: Case


class ApplicationSaveResult(TypedDict):
    """The result of application.save: Save the entry form as a draft (暂存): shapes and
    types are checked, not more.
    """
    ok: Literal[True]
    application: Case


class ApplicationStartResult(TypedDict):
    """The result of application.start: Open a change, reissue, replace or revoke case,
    as the unit first saves (暂存) or confirms; initial and extension answer
    ON_SITE_ONLY.
    """
    ok: Literal[True]
    application: Case


class ApplicationSubmitResult(TypedDict):
    """The result of application.submit: Submit (提交): every field is checked, and the
    attachments the checklist requires.
    """
    ok: Literal[True]
    application: Case


class ApplicationViewResult(TypedDict):
    """The result of application.view: The application page: progress, latest reply,
    fields, attachments, the actions open to this actor.
    """
    ok: Literal[True]
    application: Case


class AttachmentGetResult(TypedDict):
    """The result of attachment.get: An uploaded file back, as stored, for its unit and
    staff of its authority.
    """
    ok: Literal[True]
    attachment: Attachment
    file_name: str
    media_type: Literal["application/pdf", "image/jpeg", "image/png"]


class AttachmentRemoveResult(TypedDict):
    """The result of attachment.remove: Remove an uploaded attachment from a case that
    may still change.
    """
    ok: Literal[True]
    application: Case


class Kind(TypedDict):
    key: str
    label: str
    types: list[Literal["pdf", "jpeg", "png"]]
    max_count: int
    required: bool
    #: uploaded so far; only for a case
    count: NotRequired[int]


class AttachmentRulesResultLimits(TypedDict):
    max_file_bytes: int
    max_application_bytes: int


class AttachmentRulesResult(TypedDict):
    """The result of attachment.rules: The attachment checklist of a case (id) or of a
    business type (business, with validity and change items).
    """
    ok: Literal[True]
    business: Named
    validity: Literal["long_term", "fixed_term"]
    required: list[Kind]
    allowed: list[Kind]
    limits: AttachmentRulesResultLimits


class AttachmentUploadResult(TypedDict):
    """The result of attachment.upload: Upload an attachment of a kind on the case's
    checklist; judged by content, kept with its SHA-256.
    """
    ok: Literal[True]
    application: Case
    attachment: Attachment


class AuditVerifyResult(TypedDict):
    """The result of audit.verify: Check the audit log's hash chain from its first
    record to its last; say which digest chains it and which crypto suite the store
    was created with. The system (fuma-host verify-audit) hears of the whole chain;
    an admin, of their authority's records alone.
    """
    ok: Literal[True]
    #: chain (the system): every record; authority (an admin): the records of the
    #: admin's authority alone, broken_seq counting among them
    scope: Literal["chain", "authority"]
    intact: bool
    records: int
    broken_seq: int | None
    reason: str | None
    last_hash: str
    #: the digest the chain was started with and keeps: SHA-256, or SM3 of GB/T 32905
    digest: Literal["sha256", "sm3"]
    #: the suite the store was created with: standard, or sm, with SM3 digests and keys
    #: sealed with SM4
    crypto_suite: Literal["standard", "sm"]


class Authority(TypedDict):
    id: int
    code: str
    name: str
    division: str
    segment: str
    created_at: str


class AuthorityCreateResult(TypedDict):
    """The result of authority.create: Set up a registration authority, with its
    division and code segment.
    """
    ok: Literal[True]
    authority: Authority


class CertificateExtendResult(TypedDict):
    """The result of certificate.extend: On-site extension: a later expiry date, or
    long-term validity.
    """
    ok: Literal[True]
    unit: Unit
    certificate: Certificate


class CertificatePrintResult(TypedDict):
    """The result of certificate.print: The unit's certificate as a PDF, with a QR code
    that checks its standing.
    """
    ok: Literal[True]
    media_type: Literal["application/pdf"]
    file_name: str
    #: what the QR code holds: <public_url>/c/<serial> or FMC1:<serial>
    code: str


class CertificateStatusResult(TypedDict):
    """The result of certificate.status: What scanning a certificate's QR code tells
    anyone: whether it stands, for whom.
    """
    ok: Literal[True]
    serial: str
    status: Literal["active", "superseded", "revoked"]
    status_label: str
    uscc: str
    name: str
    valid_until: str | None


class Credential(TypedDict):
    """a login credential (登录二维码图片) as issued"""
    id: int
    generation: int
    kid: str
    suite: Literal["ed25519", "sm2"]
    issued_at: str
    expires_at: str | None
    status: Literal["active", "revoked"]
    revoked_at: str | None
    #: lost, unit_revoked or key_retired
    revoked_reason: str | None
    delivery: str
    delivery_label: str
    delivery_note: str


class CredentialImageResult(TypedDict):
    """The result of credential.image: Draw an issued, still valid credential again."""
    ok: Literal[True]
    credential: Credential
    media_type: Literal["image/png"]
    file_name: str


class CredentialRequest(TypedDict):
    """a 登录二维码图片申领表 as recorded"""
    id: int
    reason: Literal["first", "lost"]
    reason_label: str
    recipient: str
    phone: str
    requested_on: str
    recorded_at: str
    #: the credential issued for it, null until then
    credential: int | None


class CredentialIssueResult(TypedDict):
    """The result of credential.issue: Sign and draw the login credential for a
    recorded request; for a lost one, every earlier credential of the unit stops
    working.
    """
    ok: Literal[True]
    credential: Credential
    request: CredentialRequest
    #: the credentials this one revoked
    revoked: list[int]
    sessions_ended: int
    new_key: bool
    media_type: Literal["image/png"]
    file_name: str


class CredentialListResult(TypedDict):
    """The result of credential.list: A unit's credential requests and issued
    credentials.
    """
    ok: Literal[True]
    uscc: str
    requests: list[CredentialRequest]
    credentials: list[Credential]


class CredentialRequestResult(TypedDict):
    """The result of credential.request: Record a paper request for a login credential
    (reason first or lost).
    """
    ok: Literal[True]
    request: CredentialRequest


class CredentialRequestFormResult(TypedDict):
    """The result of credential.request_form: The credential request form as a PDF:
    blank for anyone, or filled from a recorded request for an acceptor.
    """
    ok: Literal[True]
    media_type: Literal["application/pdf"]
    file_name: str


class CredentialVerifyResultClaims(TypedDict):
    kid: str
    suite: Literal["ed25519", "sm2"]
    uscc: str
    credential: int
    generation: int
    issued_at: str
    expires_at: str | None


class CredentialVerifyResult(TypedDict):
    """The result of credential.verify: Verify a credential picture, or its text,
    against public keys the caller holds; offline, so revocation is not checked.
    """
    ok: Literal[True]
    valid: Literal[True]
    claims: CredentialVerifyResultClaims
    revocation_checked: Literal[False]


class FormBlankResult(TypedDict):
    """The result of form.blank: The blank form a business uses, with its box ticked,
    or a form by key, as a PDF: printed from the templates of the filled forms, for
    anyone.
    """
    ok: Literal[True]
    media_type: Literal["application/pdf"]
    #: the template's key
    form: str
    title: str
    file_name: str


class FormVerifyResult(TypedDict):
    """The result of form.verify: Whether a printed form (its check code, or a scan as
    data) still matches its case.
    """
    ok: Literal[True]
    application: int
    uscc: str
    matches: bool
    status: str
    message: str


class FumaCommandsResultCommandSummary(TypedDict):
    zh: str
    en: str


class Bytes(TypedDict):
    """bytes beside the JSON: fuma_call's data, fuma_result_data"""
    required: bool
    media_types: list[str]
    #: the answer's file_name, {placeholders} filled
    file_name: NotRequired[str | None]


class FumaCommandsResultCommand(TypedDict):
    name: str
    summary: FumaCommandsResultCommandSummary
    #: the actors a request may name: anonymous needs none
    callers: list[Literal["anonymous", "system", "staff", "staff_session", "unit", "session"]]
    #: the staff roles needed; empty: any staff member
    roles: list[Literal["admin", "acceptor", "reviewer", "applicant"]]
    #: a workflow step: its transitions decide who may take it
    step: str | None
    effect: Literal["stateless", "read", "write"]
    takes: None | Bytes
    returns: None | Bytes
    args: dict[str, Any]
    result: dict[str, Any]
    errors: list[str]
    tier: Literal["stable", "experimental"]


class FumaCommandsResult(TypedDict):
    """The result of fuma.commands: Every command's declaration: callers, effect,
    bytes, JSON Schemas of args and result, errors, tier; sorted by name.
    """
    ok: Literal[True]
    dialect: Literal["https://json-schema.org/draft/2020-12/schema"]
    commands: list[FumaCommandsResultCommand]


class FumaVersionResult(TypedDict):
    """The result of fuma.version: The library's release, ABI and store schema
    versions.
    """
    ok: Literal[True]
    #: the release, e.g. 0.1.0
    version: str
    abi_version: int
    #: the store schema this library writes
    schema_version: int


class GuideGetResultLocality(TypedDict):
    """联系电话及其他 as fields, and 事业单位法人信息查询's address; null: not given"""
    #: 办理机关
    office: str | None
    #: 现场办理地点
    window_address: str | None
    #: 办公时间
    office_hours: str | None
    #: 咨询电话
    telephone: list[str]
    #: 邮寄地址
    postal_address: str | None
    postal_code: str | None
    postal_recipient: str | None
    #: the locality's registry of 事业单位, for 事业单位法人信息查询
    institution_registry_url: str | None
    note: str | None


class GuideGetResultGuideProcess(TypedDict):
    status: str
    label: str
    time_limit_days: int | None


class GuideGetResultGuideMaterial(TypedDict):
    kind: str
    label: str
    #: on_site: brought to the window; fixed_term: uploaded by a unit whose certificate
    #: has an expiry date; optional: may be uploaded
    when: Literal["on_site", "fixed_term", "optional"]
    required_for_fixed_term: bool
    #: a change's items that need it; empty: any
    items: list[str]
    #: those items, as people name them
    items_label: NotRequired[str]


class GuideGetResultGuideForm(TypedDict):
    key: str
    title: str | None


class GuideGetResultGuide(TypedDict):
    business: str
    label: str
    #: false: 需要现场办理
    online: bool
    #: 受理范围及条件
    scope: str
    notes: str
    #: 办理流程: empty for on-site businesses
    process: list[GuideGetResultGuideProcess]
    #: 申请材料: on site, what to bring; online, what may be uploaded
    materials: list[GuideGetResultGuideMaterial]
    #: what the list means for this business, and what happens to the form
    materials_note: str
    form: GuideGetResultGuideForm
    #: 联系电话及其他 as one text: the locality's fields, then the guide's note
    contact: str


class GuideGetResult(TypedDict):
    """The result of guide.get: The service guide (服务指南) of one business type, or of
    all of them.
    """
    ok: Literal[True]
    #: 联系电话及其他 as fields, and 事业单位法人信息查询's address; null: not given
    locality: GuideGetResultLocality
    guide: list[GuideGetResultGuide]


class Key(TypedDict):
    #: the first 8 bytes of SHA-256 (ed25519) or SM3 (sm2) of the raw public key
    kid: str
    authority: str
    #: the signing suite
    suite: Literal["ed25519", "sm2"]
    #: SM2: SM2 signature with SM3, as GB/T 32918.2 and GM/T 0009 define
    algorithm: Literal["Ed25519", "SM2"]
    #: sm2: the signer's ID_A; null for ed25519
    distinguishing_id: str | None
    status: Literal["active", "verifying", "retired"]
    #: base64url (unpadded) of the raw key: 32 bytes for ed25519, the 65-byte
    #: uncompressed point 04||x||y for sm2
    public_key: str
    public_key_pem: str
    created_at: str
    retired_at: str | None


class KeysListResult(TypedDict):
    """The result of keys.list: An authority's signing keys with their public keys, for
    offline verifiers.
    """
    ok: Literal[True]
    authority: str
    keys: list[Key]


class KeysRetireResult(TypedDict):
    """The result of keys.retire: Retire a verifying key: what it signed is revoked and
    those sessions end.
    """
    ok: Literal[True]
    key: Key
    credentials_revoked: int
    sessions_ended: int


class KeysRotateResult(TypedDict):
    """The result of keys.rotate: A new signing key for an authority, active at once;
    the old one keeps verifying.
    """
    ok: Literal[True]
    key: Key


class QueueListResultItem(TypedDict):
    id: int
    #: the unit's name
    unit: str | None
    uscc: str | None
    business: Named
    status: Named
    version: int
    updated_at: str
    status_since: str
    due: str | None
    overdue: bool
    due_warning: NotRequired[str]


class QueueListResult(TypedDict):
    """The result of queue.list: The authority's work queue in one status, oldest
    update first, a page at a time.
    """
    ok: Literal[True]
    items: list[QueueListResultItem]
    #: the cursor of the next page, null on the last
    next: str | None


class SessionCaptchaResult(TypedDict):
    """The result of session.captcha: A new captcha picture for one login attempt. One
    client address gets the engine's captcha_per_minute (20) at once, then that many
    a minute.
    """
    ok: Literal[True]
    captcha_id: str
    expires_at: str
    media_type: Literal["image/png"]
    #: present when the engine's captcha_answer option is set
    test_mode: NotRequired[Literal[True]]
    warning: NotRequired[str]


class SessionCommitment(TypedDict):
    """登录承诺: what the unit accepts with session.commit"""
    text_version: str
    title: str
    paragraphs: list[str]
    accept_label: str


class Session(TypedDict):
    unit: Unit
    created_at: str
    expires_at: str
    idle_timeout_seconds: int
    committed: bool
    committed_at: str | None
    #: 登录承诺: what the unit accepts with session.commit
    commitment: SessionCommitment


class SessionCommitResult(TypedDict):
    """The result of session.commit: Accept the login commitment (登录承诺), once per
    session, before anything else.
    """
    ok: Literal[True]
    session: Session


class SessionGetResult(TypedDict):
    """The result of session.get: The session: its unit, expiry, and the commitment to
    accept.
    """
    ok: Literal[True]
    session: Session


class SessionLoginResult(TypedDict):
    """The result of session.login: Log a unit in with its saved credential picture and
    a captcha answer; failures are throttled per client and per credential.
    """
    ok: Literal[True]
    #: the actor {"session": token} from now on
    token: str
    session: Session
    warning: NotRequired[str]


class SessionLogoutResult(TypedDict):
    """The result of session.logout: End the session."""
    ok: Literal[True]
    ended_at: str


class Staff(TypedDict):
    id: int
    username: str
    name: str
    roles: list[Literal["admin", "acceptor", "reviewer"]]
    active: bool
    created_at: str
    #: the authority's code
    authority: str
    authority_name: NotRequired[str]


class StaffCreateResult(TypedDict):
    """The result of staff.create: Add a staff member with roles to an authority: the
    system, or its admin.
    """
    ok: Literal[True]
    staff: Staff


class StaffGetResult(TypedDict):
    """The result of staff.get: The staff member behind a staff session, with roles and
    authority.
    """
    ok: Literal[True]
    staff: Staff
    created_at: str
    expires_at: str


class StaffLoginResult(TypedDict):
    """The result of staff.login: Log a staff member in with a password; failures are
    throttled.
    """
    ok: Literal[True]
    #: the actor {"staff_session": token} from now on
    token: str
    staff: Staff
    expires_at: str


class StaffLogoutResult(TypedDict):
    """The result of staff.logout: End the staff session."""
    ok: Literal[True]
    ended_at: str


class StaffPasswordResult(TypedDict):
    """The result of staff.password: A new password: staff change their own with the
    old one; the system or an admin of their authority sets anyone's. Their sessions
    end.
    """
    ok: Literal[True]
    sessions_ended: int


class StoreBackupResult(TypedDict):
    """The result of store.backup: Copy the whole store, online, to a new file; nothing
    is overwritten.
    """
    ok: Literal[True]
    path: str
    bytes: int
    schema_version: int


Event = TypedDict("Event", {
    "action": str,
    "from": Named | None,
    "to": Named | None,
    #: system, staff:<id> or unit:<USCC>
    "actor": str,
    "actor_name": str,
    "reply": str,
    "at": str,
})


class UnitHistoryResultApplication(TypedDict):
    id: int
    deleted: bool
    business: Named | None
    #: null once deleted
    status: Named | None
    open: bool
    created_at: str | None
    updated_at: str | None
    events: list[Event]


class UnitHistoryResult(TypedDict):
    """The result of unit.history: 历史信息: every application of a unit, deleted ones too,
    with each change of status.
    """
    ok: Literal[True]
    unit: Unit
    #: newest first
    applications: list[UnitHistoryResultApplication]


class UnitLookupResultUnitCertificate(TypedDict):
    serial: str
    valid_until: str | None
    long_term: bool
    expired: bool


class UnitLookupResultUnitAuthority(TypedDict):
    code: str
    name: str


class UnitLookupResultUnit(TypedDict):
    uscc: str
    name: str
    category: str
    address: str
    responsible_person: str
    status: Literal["active", "revoked"]
    status_label: str
    certificate: None | UnitLookupResultUnitCertificate
    authority: UnitLookupResultUnitAuthority


class UnitLookupResult(TypedDict):
    """The result of unit.lookup: The public registry: units by a complete USCC or part
    of a name, with their certificate's standing.
    """
    ok: Literal[True]
    units: list[UnitLookupResultUnit]
    #: more units match than listed
    truncated: bool


class UnitRegisterResult(TypedDict):
    """The result of unit.register: On-site initial application: allocate a USCC,
    create the unit and its certificate.
    """
    ok: Literal[True]
    uscc: str
    unit: Unit
    certificate: Certificate


class UsccAllocateResult(TypedDict):
    """The result of uscc.allocate: Compose the USCC for a serial number in a division
    and code segment.
    """
    ok: Literal[True]
    code: str


class Coded(TypedDict):
    code: str
    name: str | None


class UsccCheckResultPartsDivision1(TypedDict):
    code: str
    name: None


class UsccCheckResultPartsDivision2(TypedDict):
    code: str
    name: str
    province: str
    history: str
    abolished: bool
    from_year: NotRequired[int]
    to_year: NotRequired[int]


class UsccCheckResultParts(TypedDict):
    authority: Coded
    category: Coded
    division: UsccCheckResultPartsDivision1 | UsccCheckResultPartsDivision2
    org_code: str
    check: str


class UsccCheckResult(TypedDict):
    """The result of uscc.check: Check a USCC (GB 32100-2015): whether it is valid, why
    not, and its parts.
    """
    ok: Literal[True]
    valid: bool
    reason: Literal["EMPTY", "LENGTH", "CHARSET", "AUTHORITY", "CATEGORY", "DIVISION", "ORG_CHECK", "CHECK"] | None
    #: the code as checked, normalized
    code: str | None
    message: str | None
    detail: str | None
    #: the 1-based character at fault
    position: int | None
    parts: None | UsccCheckResultParts
    warnings: list[Literal["NORMALIZED", "ABOLISHED_DIVISION"]]

