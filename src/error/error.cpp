// SPDX-License-Identifier: Apache-2.0
#include "fuma/error.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace fuma {
namespace {

struct Entry {
  std::string_view name;
  std::string_view message;
};

// Indexed by -code. The names are the stable string codes of the C ABI and
// of every JSON error; the messages are what a person sees by default.
constexpr Entry kEntries[] = {
    {"OK", "成功"},
    {"INTERNAL", "系统内部错误，请稍后再试或联系管理员"},
    {"OUT_OF_MEMORY", "系统内存不足"},
    {"INVALID_ARGUMENT", "请求参数有误"},
    {"UNKNOWN_COMMAND", "不支持的操作"},
    {"NOT_FOUND", "未找到相关记录"},
    {"FORBIDDEN", "无权进行此操作"},
    {"CONFLICT", "数据已被修改，请刷新后重试"},
    {"INVALID_STATE", "当前办理进度下不能进行此操作"},
    {"ON_SITE_ONLY", "需要现场办理"},
    {"MISSING_ATTACHMENTS", "请上传所需的附件材料"},
    {"CREDENTIAL_REVOKED", "登录二维码图片已失效，请重新申领"},
    {"INVALID_CODE", "统一社会信用代码无效"},
    {"EXHAUSTED", "可用号码已用完"},
    {"STORAGE", "数据存储出错，请联系管理员"},
    {"VERSION", "数据文件由更新版本的系统创建，当前版本无法打开"},
    {"NOT_AN_IMAGE", "上传的文件不是图片，请上传保存的登录二维码图片"},
    {"IMAGE_TOO_LARGE", "图片过大，请上传原始的登录二维码图片"},
    {"NO_QR_FOUND", "图片中未识别到二维码，请上传清晰完整的登录二维码图片"},
    {"MULTIPLE_QR", "图片中有多个登录二维码，请只上传一个"},
    {"NOT_A_CREDENTIAL", "该二维码不是本系统的登录二维码图片"},
    {"CREDENTIAL_MALFORMED", "登录二维码内容不完整或已损坏"},
    {"UNSUPPORTED_VERSION", "登录二维码图片的版本不受支持，请重新申领"},
    {"UNKNOWN_KEY", "无法识别登录二维码图片的签发机关，请联系登记管理机关"},
    {"BAD_SIGNATURE", "登录二维码图片验证失败，可能已被篡改"},
    {"CREDENTIAL_EXPIRED", "登录二维码图片已过期，请重新申领"},
    {"UNIT_REVOKED", "该单位的统一社会信用代码已撤销，不能登录"},
    {"CAPTCHA_WRONG", "验证码错误"},
    {"CAPTCHA_EXPIRED", "验证码已过期，请刷新验证码"},
    {"TOO_MANY_ATTEMPTS", "尝试次数过多，请稍后再试"},
    {"SESSION_EXPIRED", "登录已失效，请重新登录"},
    {"COMMITMENT_REQUIRED", "请先阅读并同意登录承诺"},
    {"LOGIN_FAILED", "用户名或密码错误"},
    {"UNSUPPORTED_IMAGE_FORMAT", "不支持该图片格式，请将登录二维码图片另存为PNG或JPG格式后上传"},
    {"STORE_UNAVAILABLE", "服务暂不可用，请稍后重试"},
};

// One entry for every code, from OK down to the last.
static_assert(static_cast<int>(std::size(kEntries)) ==
                  1 - static_cast<int>(Errc::store_unavailable),
              "every Errc needs its entry");

const Entry* entry(Errc code) noexcept {
  const int index = -static_cast<int>(code);
  if (index < 0 || index >= static_cast<int>(std::size(kEntries))) return nullptr;
  return &kEntries[index];
}

}  // namespace

std::string_view errc_name(Errc code) noexcept {
  const Entry* e = entry(code);
  return e ? e->name : "UNKNOWN";
}

std::string_view errc_message(Errc code) noexcept {
  const Entry* e = entry(code);
  return e ? e->message : "未知错误";
}

Error::Error(Errc code, std::string detail, std::string message)
    : std::runtime_error(detail),
      code_(code),
      message_(message.empty() ? std::string(errc_message(code)) : std::move(message)),
      detail_(std::move(detail)) {}

Error::Error(Errc code, std::string detail, std::string message, std::vector<Problem> problems)
    : Error(code, std::move(detail), std::move(message)) {
  problems_ = std::move(problems);
}

std::string Error::json() const {
  boost::json::object error;
  error["code"] = errc_name(code_);
  error["message"] = message_;
  error["detail"] = detail_;
  if (!problems_.empty()) {
    boost::json::array list;
    for (const Problem& p : problems_) {
      boost::json::object o;
      o["field"] = p.field;
      o["message"] = p.message;
      if (!p.kind.empty()) o["kind"] = p.kind;
      if (!p.label.empty()) o["label"] = p.label;
      list.push_back(std::move(o));
    }
    error["problems"] = std::move(list);
  }
  boost::json::object out;
  out["ok"] = false;
  out["error"] = std::move(error);
  return boost::json::serialize(out);
}

}  // namespace fuma
