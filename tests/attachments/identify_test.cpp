// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>

#include "fixtures.hpp"
#include "fuma/attachments.hpp"

using fuma::attachments::FileType;
using fuma::attachments::identify;
using fuma::test::fixture;
using fuma::test::png_with_header;
using fuma::test::refusal;

namespace {

std::string refused_message(const std::string& bytes) {
  return refusal([&] { identify(bytes); }).message();
}

// The offset of the fixture JPEG's frame header (SOF0, three components).
std::size_t sof0_offset(const std::string& jpeg) {
  std::size_t at = jpeg.find(std::string("\xFF\xC0\x00\x11", 4));
  REQUIRE(at != std::string::npos);
  return at;
}

const std::string kNotAccepted = "文件内容不是PDF、JPG或PNG格式";

}  // namespace

TEST_CASE("a real PNG is a png with its dimensions") {
  auto id = identify(fixture("stamp.png"));
  CHECK(id.type == FileType::png);
  CHECK(id.width == 40);
  CHECK(id.height == 30);
}

TEST_CASE("a real JPEG is a jpeg with the dimensions of its frame header") {
  auto id = identify(fixture("photo.jpg"));
  CHECK(id.type == FileType::jpeg);
  CHECK(id.width == 48);
  CHECK(id.height == 32);
}

TEST_CASE("a real PDF is a pdf without dimensions") {
  auto id = identify(fixture("letter.pdf"));
  CHECK(id.type == FileType::pdf);
  CHECK(id.width == 0);
  CHECK(id.height == 0);
}

TEST_CASE("a PDF may declare version 2.0 and carry junk before its header, as readers allow") {
  std::string pdf = fixture("letter.pdf");
  CHECK(identify(std::string(pdf).replace(0, 8, "%PDF-2.0")).type == FileType::pdf);
  CHECK(identify(std::string(200, ' ') + pdf).type == FileType::pdf);
}

TEST_CASE("type names and media types") {
  CHECK(fuma::attachments::file_type_name(FileType::jpeg) == "jpeg");
  CHECK(fuma::attachments::file_type_media_type(FileType::pdf) == "application/pdf");
  CHECK(fuma::attachments::file_type_media_type(FileType::png) == "image/png");
}

TEST_CASE("an empty file is refused as empty") { CHECK(refused_message("") == "文件为空"); }

TEST_CASE("a text file named .pdf is refused as text") {
  std::string message = refused_message("申请书\r\n我单位因证书遗失，特申请补领。\r\n");
  CHECK(message == kNotAccepted + "（看起来是文本文件）");
}

TEST_CASE("a Word document is refused as Word with the advice to save it as PDF") {
  CHECK(refused_message(fixture("letter.docx")) ==
        kNotAccepted + "（看起来是Word文件），请另存为PDF后上传");
}

TEST_CASE("an empty ZIP archive is refused as a ZIP archive") {
  std::string zip = std::string("PK\x05\x06", 4) + std::string(18, '\0');
  CHECK(refused_message(zip).find("ZIP压缩包") != std::string::npos);
}

TEST_CASE("an old Office file is refused as one") {
  std::string ole = std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + std::string(504, '\0');
  CHECK(refused_message(ole).find("旧版Office文件") != std::string::npos);
}

TEST_CASE("a GIF is refused as a GIF with the advice to save it as JPG or PNG") {
  CHECK(refused_message(fixture("pixel.gif")) ==
        kNotAccepted + "（看起来是GIF图片），请另存为JPG或PNG图片后上传");
}

TEST_CASE("a BMP is refused as a BMP") {
  // A 1x1 24-bit BMP: file header, BITMAPINFOHEADER, one padded pixel row.
  std::string bmp("BM\x3A\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x01\0\0\0\x01\0\0\0\x01\0\x18\0", 30);
  bmp += std::string(24, '\0') + std::string("\xFF\xFF\xFF\0", 4);
  CHECK(refused_message(bmp).find("BMP图片") != std::string::npos);
}

TEST_CASE("an executable is refused as a program") {
  std::string self = fuma::test::read_bytes("/proc/self/exe");
  CHECK(refused_message(self) == kNotAccepted + "（看起来是可执行程序）");
  std::string pe = std::string("MZ") + std::string(58, '\0') + std::string("\x40\0\0\0", 4) +
                   std::string("PE\0\0", 4) + std::string(64, '\0');
  CHECK(refused_message(pe) == kNotAccepted + "（看起来是可执行程序）");
}

TEST_CASE("a saved web page is refused as HTML") {
  CHECK(refused_message("\xEF\xBB\xBF\n<!DOCTYPE html><html><body>申请书</body></html>")
            .find("网页文件") != std::string::npos);
}

TEST_CASE("unrecognisable bytes are refused as unknown") {
  CHECK(refused_message(std::string("\x00\x01\x02\x03\x04\x05garbage", 13)) ==
        kNotAccepted + "，无法识别该文件");
}

TEST_CASE("a PNG whose IHDR CRC does not match is corrupt") {
  std::string png = fixture("stamp.png");
  png[29] = static_cast<char>(png[29] ^ 0x01);  // first byte of the IHDR CRC
  auto e = refusal([&] { identify(png); });
  CHECK(e.message() == "PNG图片已损坏（文件头校验失败）");
  CHECK(e.detail().find("IHDR CRC mismatch") != std::string::npos);
}

TEST_CASE("a PNG whose image data CRC does not match is corrupt") {
  std::string png = fixture("stamp.png");
  png[45] = static_cast<char>(png[45] ^ 0x10);  // inside the IDAT data
  CHECK(refused_message(png) == "PNG图片已损坏（数据校验失败）");
}

TEST_CASE("a PNG cut short is incomplete") {
  std::string png = fixture("stamp.png");
  CHECK(refused_message(png.substr(0, png.size() / 2)) ==
        "PNG图片不完整（文件被截断），请重新上传");
  CHECK(refused_message(png.substr(0, 20)) == "PNG图片不完整（文件被截断），请重新上传");
}

TEST_CASE("a PNG with an invalid bit depth for its colour type is corrupt") {
  CHECK(refused_message(png_with_header(40, 30, 4, 2)) == "PNG图片已损坏（颜色格式无效）");
  CHECK(identify(png_with_header(40, 30, 8, 2)).type == FileType::png);
}

TEST_CASE("a PNG declaring huge or zero dimensions is refused") {
  auto huge = refusal([] { identify(png_with_header(30000, 20000)); });
  CHECK(huge.message() == "图片尺寸过大（30000×20000像素，上限20000×20000像素），请缩小后重新上传");
  CHECK(refused_message(png_with_header(0, 30)) == "PNG图片已损坏（图像尺寸为零）");
}

TEST_CASE("a JPEG truncated before its frame header is incomplete") {
  std::string jpeg = fixture("photo.jpg");
  std::string cut = jpeg.substr(0, sof0_offset(jpeg) + 3);
  CHECK(refused_message(cut) == "JPG图片不完整（文件被截断），请重新上传");
}

TEST_CASE("a JPEG whose scan comes before any frame header has no dimensions") {
  std::string jpeg = fixture("photo.jpg");
  std::size_t sof = sof0_offset(jpeg);
  std::string no_frame = jpeg.substr(0, sof) + jpeg.substr(sof + 2 + 17);
  CHECK(refused_message(no_frame) == "JPG图片已损坏（找不到图像尺寸信息）");
}

TEST_CASE("a JPEG declaring huge dimensions is refused") {
  std::string jpeg = fixture("photo.jpg");
  std::size_t sof = sof0_offset(jpeg);
  jpeg.replace(sof + 5, 4, std::string("\xEA\x60\xEA\x60", 4));  // 60000 x 60000
  CHECK(refused_message(jpeg).find("图片尺寸过大（60000×60000像素") == 0);
}

TEST_CASE("a PDF without %%EOF is incomplete") {
  std::string pdf = fixture("letter.pdf");
  std::string cut = pdf.substr(0, pdf.rfind("%%EOF"));
  auto e = refusal([&] { identify(cut); });
  CHECK(e.message() == "PDF文件不完整（缺少文件结束标记），可能未上传完整，请重新上传");
  CHECK(e.detail().find("%%EOF") != std::string::npos);
}

TEST_CASE("a PDF without startxref, or pointing past its end, is corrupt") {
  std::string pdf = fixture("letter.pdf");
  std::string no_startxref = std::string(pdf).replace(pdf.rfind("startxref"), 9, "startxrex");
  CHECK(refused_message(no_startxref) == "PDF文件已损坏（缺少交叉引用表位置）");
  std::size_t number = pdf.rfind("startxref") + 10;
  std::string beyond = std::string(pdf).replace(number, 3, "999999");
  CHECK(refused_message(beyond) == "PDF文件已损坏（交叉引用表位置无效）");
}

TEST_CASE("a PDF header with an unknown version is corrupt") {
  std::string pdf = fixture("letter.pdf");
  CHECK(refused_message(pdf.replace(0, 8, "%PDF-3.1")) == "PDF文件已损坏（文件头中的版本号无效）");
}
