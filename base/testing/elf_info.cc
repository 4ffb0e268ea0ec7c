#include "base/testing/elf_info.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>

namespace ncp::testing {

bool ReadElfInfo(const std::string& path, ElfInfo* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::string data((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (data.size() < sizeof(Elf64_Ehdr) ||
      memcmp(data.data(), ELFMAG, SELFMAG) != 0 ||
      data[EI_CLASS] != ELFCLASS64) {
    return false;
  }
  Elf64_Ehdr ehdr;
  memcpy(&ehdr, data.data(), sizeof(ehdr));
  if (ehdr.e_shoff == 0 ||
      ehdr.e_shoff + static_cast<uint64_t>(ehdr.e_shnum) * sizeof(Elf64_Shdr) >
          data.size()) {
    return false;
  }
  std::vector<Elf64_Shdr> sections(ehdr.e_shnum);
  memcpy(sections.data(), data.data() + ehdr.e_shoff,
         sections.size() * sizeof(Elf64_Shdr));
  auto str_at = [&](const Elf64_Shdr& strtab, uint64_t offset) {
    if (strtab.sh_offset + offset >= data.size()) return std::string();
    return std::string(data.c_str() + strtab.sh_offset + offset);
  };
  for (const Elf64_Shdr& s : sections) {
    if (s.sh_offset + s.sh_size > data.size() || s.sh_link >= sections.size()) {
      continue;
    }
    const Elf64_Shdr& strtab = sections[s.sh_link];
    if (s.sh_type == SHT_DYNSYM) {
      for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= s.sh_size;
           off += sizeof(Elf64_Sym)) {
        Elf64_Sym sym;
        memcpy(&sym, data.data() + s.sh_offset + off, sizeof(sym));
        int bind = ELF64_ST_BIND(sym.st_info);
        if (sym.st_shndx == SHN_UNDEF || sym.st_name == 0) continue;
        if (bind != STB_GLOBAL && bind != STB_WEAK) continue;
        out->defined_symbols.push_back(str_at(strtab, sym.st_name));
      }
    } else if (s.sh_type == SHT_DYNAMIC) {
      for (uint64_t off = 0; off + sizeof(Elf64_Dyn) <= s.sh_size;
           off += sizeof(Elf64_Dyn)) {
        Elf64_Dyn dyn;
        memcpy(&dyn, data.data() + s.sh_offset + off, sizeof(dyn));
        if (dyn.d_tag == DT_NEEDED) {
          out->needed.push_back(str_at(strtab, dyn.d_un.d_val));
        } else if (dyn.d_tag == DT_SONAME) {
          out->soname = str_at(strtab, dyn.d_un.d_val);
        } else if (dyn.d_tag == DT_RUNPATH || dyn.d_tag == DT_RPATH) {
          out->runpath = str_at(strtab, dyn.d_un.d_val);
        }
      }
    }
  }
  return true;
}

}  // namespace ncp::testing
