#include "converter/zip_archive.h"

#include <algorithm>

#include "converter/byte_cursor.h"
#include "qtx/error.h"

namespace qtx::convert {
namespace {

constexpr uint32_t kEndRecordSignature = 0x06054b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kZip64EndRecordSignature = 0x06064b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr size_t kEndRecordSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kMaxCommentSize = 0xFFFF;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint32_t kZip64Marker32 = 0xFFFFFFFF;
constexpr uint16_t kZip64Marker16 = 0xFFFF;

[[noreturn]] void corrupt(const std::string& context, const std::string& what) {
  throw Error(ErrorCode::kInvalidFile, context + ": corrupt zip archive: " + what);
}

// The 64-bit sizes and offset of a ZIP64 entry live in an extra field, each present only
// where the 32-bit field holds the 0xFFFFFFFF marker, in this order.
void read_zip64_extra(ByteCursor extra, uint64_t& size, uint64_t& compressed, uint64_t& offset) {
  while (extra.remaining() >= 4) {
    const auto id = extra.read<uint16_t>("extra field id");
    const auto length = extra.read<uint16_t>("extra field length");
    ByteCursor field(extra.take(length, "extra field"), extra.context());
    if (id != kZip64ExtraId) continue;
    if (size == kZip64Marker32) size = field.read<uint64_t>("zip64 size");
    if (compressed == kZip64Marker32) compressed = field.read<uint64_t>("zip64 compressed size");
    if (offset == kZip64Marker32) offset = field.read<uint64_t>("zip64 header offset");
    return;
  }
}

}  // namespace

ZipArchive::ZipArchive(std::shared_ptr<const MappedFile> file) : file_(std::move(file)) {
  read_entries(find_directory());
}

const ZipArchive::Entry* ZipArchive::find(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

// The end-of-central-directory record is the last thing in the file, followed only by an
// archive comment of at most 64 KiB: search backwards for its signature.
ZipArchive::Directory ZipArchive::find_directory() const {
  const size_t size = file_->size();
  if (size < kEndRecordSize) corrupt(context(), "file too small for a zip archive");
  const size_t lowest = size - kEndRecordSize - std::min(size - kEndRecordSize, kMaxCommentSize);
  for (size_t pos = size - kEndRecordSize + 1; pos-- > lowest;) {
    ByteCursor record({file_->data() + pos, size - pos}, context());
    if (record.read<uint32_t>("end record") != kEndRecordSignature) continue;
    record.take(6, "end record");  // disk numbers, entries on this disk
    Directory directory;
    directory.entry_count = record.read<uint16_t>("entry count");
    directory.size = record.read<uint32_t>("directory size");
    directory.offset = record.read<uint32_t>("directory offset");
    const auto comment = record.read<uint16_t>("comment length");
    if (comment != record.remaining()) continue;  // the signature's bytes inside a comment
    if (directory.entry_count == kZip64Marker16 || directory.size == kZip64Marker32 ||
        directory.offset == kZip64Marker32) {
      return read_zip64_directory(pos);
    }
    return directory;
  }
  corrupt(context(), "no end of central directory record");
}

ZipArchive::Directory ZipArchive::read_zip64_directory(size_t end_record) const {
  if (end_record < kZip64LocatorSize) corrupt(context(), "missing zip64 locator");
  ByteCursor locator({file_->data() + end_record - kZip64LocatorSize, kZip64LocatorSize},
                     context());
  if (locator.read<uint32_t>("zip64 locator") != kZip64LocatorSignature) {
    corrupt(context(), "missing zip64 locator");
  }
  locator.take(4, "zip64 locator");
  const auto offset = locator.read<uint64_t>("zip64 end record offset");
  if (offset >= file_->size()) corrupt(context(), "zip64 end record offset past the end");
  ByteCursor record({file_->data() + offset, file_->size() - offset}, context());
  if (record.read<uint32_t>("zip64 end record") != kZip64EndRecordSignature) {
    corrupt(context(), "bad zip64 end record signature");
  }
  record.take(8 + 2 + 2 + 4 + 4 + 8, "zip64 end record");  // up to the total entry count
  Directory directory;
  directory.entry_count = record.read<uint64_t>("zip64 entry count");
  directory.size = record.read<uint64_t>("zip64 directory size");
  directory.offset = record.read<uint64_t>("zip64 directory offset");
  return directory;
}

void ZipArchive::read_entries(const Directory& directory) {
  if (directory.offset > file_->size() || directory.size > file_->size() - directory.offset) {
    corrupt(context(), "central directory outside the file");
  }
  // Each entry takes at least a fixed-size header: the count cannot exceed what fits.
  if (directory.entry_count > directory.size / kCentralHeaderSize) {
    corrupt(context(), "entry count larger than the central directory");
  }
  ByteCursor cursor({file_->data() + directory.offset, static_cast<size_t>(directory.size)},
                    context());
  for (uint64_t i = 0; i < directory.entry_count; ++i) {
    if (cursor.read<uint32_t>("central header") != kCentralHeaderSignature) {
      corrupt(context(), "bad central directory header signature");
    }
    cursor.take(4, "central header");  // versions
    const auto flags = cursor.read<uint16_t>("flags");
    const auto method = cursor.read<uint16_t>("compression method");
    cursor.take(8, "central header");  // time, date, crc
    uint64_t compressed = cursor.read<uint32_t>("compressed size");
    uint64_t size = cursor.read<uint32_t>("size");
    const auto name_length = cursor.read<uint16_t>("name length");
    const auto extra_length = cursor.read<uint16_t>("extra length");
    const auto comment_length = cursor.read<uint16_t>("comment length");
    cursor.take(8, "central header");  // disk, attributes
    uint64_t header_offset = cursor.read<uint32_t>("local header offset");
    std::string name(cursor.read_text(name_length, "entry name"));
    read_zip64_extra(ByteCursor(cursor.take(extra_length, "extra field"), context()), size,
                     compressed, header_offset);
    cursor.take(comment_length, "entry comment");
    if ((flags & 1u) != 0) {
      throw Error(ErrorCode::kUnsupported, context() + ": zip entry '" + name + "' is encrypted");
    }
    if (method != 0 || compressed != size) {
      throw Error(ErrorCode::kUnsupported, context() + ": zip entry '" + name +
                                               "' is compressed (method " + std::to_string(method) +
                                               "); torch.save stores entries uncompressed");
    }
    const size_t data_offset = locate_data(name, header_offset, size);
    if (!index_.emplace(name, entries_.size()).second) {
      corrupt(context(), "entry '" + name + "' appears twice");
    }
    entries_.push_back({std::move(name), data_offset, static_cast<size_t>(size)});
  }
}

// An entry's bytes follow its local header, whose name and extra field (torch pads it for
// alignment) may differ in length from the central directory's.
size_t ZipArchive::locate_data(const std::string& name, uint64_t header_offset,
                               uint64_t size) const {
  if (header_offset > file_->size()) corrupt(context(), "entry '" + name + "' offset past end");
  ByteCursor header({file_->data() + header_offset, file_->size() - header_offset}, context());
  if (header.read<uint32_t>("local header") != kLocalHeaderSignature) {
    corrupt(context(), "bad local header signature for entry '" + name + "'");
  }
  header.take(kLocalHeaderSize - 8, "local header");
  const auto name_length = header.read<uint16_t>("local name length");
  const auto extra_length = header.read<uint16_t>("local extra length");
  header.take(static_cast<size_t>(name_length) + extra_length, "local name and extra field");
  const uint64_t data_offset = header_offset + header.position();
  if (size > file_->size() - data_offset) {
    corrupt(context(), "entry '" + name + "' runs past the end of the file");
  }
  return static_cast<size_t>(data_offset);
}

}  // namespace qtx::convert
