/*
 * iden3's binary container (.zkey, .wtns, .ptau): a 4-byte magic, a u32 version, a u32 section
 * count, then sections of (u32 type, u64 length, bytes). Mapped read-only; every length is checked
 * against the file before anything is read. Needs program.h's fail().
 */
#ifndef POA_IDEN3_FILE_H
#define POA_IDEN3_FILE_H
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  const char *path;
  const uint8_t *data;
  size_t size;
  const uint8_t *section[16];
  uint64_t sectionSize[16];
} binfile;

/**
 * Map `path` and index its sections of types 1..lastType. A second section of a kept type is
 * refused naming it when `duplicateNames` is given (names by type), else the first one is kept.
 */
static void open_binfile(binfile *f, const char *path, const char *magic, uint32_t minVersion, uint32_t maxVersion, uint32_t lastType, const char *const *duplicateNames) {
  memset(f, 0, sizeof *f);
  f->path = path;
  int fd = open(path, O_RDONLY);
  if (fd < 0) fail(3, "%s: cannot open (%s)", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) fail(3, "%s: cannot stat (%s)", path, strerror(errno));
  f->size = (size_t)st.st_size;
  if (f->size < 12) fail(3, "%s: %zu bytes, too short for a %s header (12 bytes)", path, f->size, magic);
  void *m = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (m == MAP_FAILED) fail(3, "%s: cannot map (%s)", path, strerror(errno));
  close(fd);
  f->data = m;
  if (memcmp(f->data, magic, 4) != 0) fail(3, "%s: not a .%s file (magic \"%.4s\", expected \"%s\")", path, magic, (const char *)f->data, magic);
  uint32_t version, nSections;
  memcpy(&version, f->data + 4, 4);
  memcpy(&nSections, f->data + 8, 4);
  if (version < minVersion || version > maxVersion) fail(3, "%s: %s version %u not supported (expected %u to %u)", path, magic, version, minVersion, maxVersion);
  size_t pos = 12;
  for (uint32_t i = 0; i < nSections; i++) {
    if (pos + 12 > f->size) fail(3, "%s: truncated: section header %u of %u at byte %zu runs past the end (%zu bytes)", path, i + 1, nSections, pos, f->size);
    uint32_t type;
    uint64_t len;
    memcpy(&type, f->data + pos, 4);
    memcpy(&len, f->data + pos + 4, 8);
    pos += 12;
    if (len > f->size - pos) fail(3, "%s: truncated: section %u claims %llu bytes at byte %zu, only %zu remain", path, type, (unsigned long long)len, pos, f->size - pos);
    if (type >= 1 && type <= lastType) {
      if (f->section[type] && duplicateNames) fail(3, "%s: section %s appears twice", path, duplicateNames[type]);
      if (!f->section[type]) {
        f->section[type] = f->data + pos;
        f->sectionSize[type] = len;
      }
    }
    pos += len;
  }
}

static uint32_t rd32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
#endif
