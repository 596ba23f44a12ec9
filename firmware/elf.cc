// ELF hardening facts through libelf (elfutils): it handles both classes and byte orders of every
// architecture the devices use (ARM, AArch64, MIPS LE/BE, x86, Xtensa) from memory, and is fuzzed
// upstream. What is derived: NX from PT_GNU_STACK, PIE from ET_DYN + PT_INTERP (or DF_1_PIE),
// RELRO from PT_GNU_RELRO + BIND_NOW, the stack protector from __stack_chk_fail/__stack_chk_guard,
// FORTIFY from imported *_chk functions.
#include <gelf.h>
#include <libelf.h>

#include <mutex>
#include <string>

#include "firmware/internal.h"

namespace kensa::firmware::detail {

namespace {
std::string machine_name(unsigned m) {
  switch (m) {
    case EM_386:
      return "x86";
    case EM_X86_64:
      return "x86-64";
    case EM_ARM:
      return "ARM";
    case EM_AARCH64:
      return "AArch64";
    case EM_MIPS:
      return "MIPS";
    case EM_PPC:
      return "PowerPC";
    case EM_XTENSA:
      return "Xtensa";
    case EM_RISCV:
      return "RISC-V";
    case EM_SH:
      return "SuperH";
    default:
      return "machine-" + std::to_string(m);
  }
}
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
}  // namespace

std::optional<ElfInfo> parse_elf(Bytes data) {
  static std::once_flag once;
  std::call_once(once, [] { elf_version(EV_CURRENT); });
  if (data.size() < 52 || data.substr(0, 4) !=
                              "\x7f"
                              "ELF")
    return std::nullopt;
  // libelf only reads through the pointer with ELF_C_READ_MEMORY; it wants a non-const one.
  Elf* elf = elf_memory(const_cast<char*>(data.data()), data.size());
  if (!elf) return std::nullopt;
  GElf_Ehdr eh;
  if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
    elf_end(elf);
    return std::nullopt;
  }
  ElfInfo info;
  info.machine = machine_name(eh.e_machine);
  info.bits = gelf_getclass(elf) == ELFCLASS64 ? 64 : 32;
  info.big_endian = eh.e_ident[EI_DATA] == ELFDATA2MSB;
  switch (eh.e_type) {
    case ET_EXEC:
      info.type = "executable";
      break;
    case ET_DYN:
      info.type = "shared-object";
      break;
    case ET_REL:
      info.type = "relocatable";
      break;
    case ET_CORE:
      info.type = "core";
      break;
    default:
      info.type = "other";
  }
  bool has_gnu_stack = false, stack_exec = false, has_dynamic = false, bind_now = false,
       flag_pie = false;
  std::size_t phnum = 0;
  elf_getphdrnum(elf, &phnum);
  for (std::size_t i = 0; i < phnum && i < 4096; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, static_cast<int>(i), &ph)) continue;
    if (ph.p_type == PT_GNU_STACK) {
      has_gnu_stack = true;
      stack_exec = ph.p_flags & PF_X;
    } else if (ph.p_type == PT_GNU_RELRO) {
      info.relro_partial = true;
    } else if (ph.p_type == PT_INTERP) {
      info.has_interp = true;
    } else if (ph.p_type == PT_DYNAMIC) {
      has_dynamic = true;
    }
  }
  // Without PT_GNU_STACK the kernel maps the stack executable on most architectures.
  info.nx = has_gnu_stack && !stack_exec;
  bool has_symtab = false;
  Elf_Scn* scn = nullptr;
  std::size_t sections = 0;
  while ((scn = elf_nextscn(elf, scn)) != nullptr && ++sections < 65536) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) continue;
    if (sh.sh_type == SHT_SYMTAB) has_symtab = true;
    if (sh.sh_type == SHT_DYNAMIC) {
      Elf_Data* d = elf_getdata(scn, nullptr);
      if (!d || sh.sh_entsize == 0) continue;
      const std::size_t n = std::min<std::size_t>(sh.sh_size / sh.sh_entsize, 100000);
      for (std::size_t k = 0; k < n; ++k) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(d, static_cast<int>(k), &dyn)) break;
        if (dyn.d_tag == DT_BIND_NOW) bind_now = true;
        if (dyn.d_tag == DT_FLAGS && (dyn.d_un.d_val & DF_BIND_NOW)) bind_now = true;
        if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_NOW)) bind_now = true;
        if (dyn.d_tag == DT_FLAGS_1 && (dyn.d_un.d_val & DF_1_PIE)) flag_pie = true;
        if (dyn.d_tag == DT_NEEDED) {
          const char* name = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
          if (name) info.needed.emplace_back(name);
        }
        if (dyn.d_tag == DT_NULL) break;
      }
    }
    if (sh.sh_type == SHT_DYNSYM) {
      Elf_Data* d = elf_getdata(scn, nullptr);
      if (!d || sh.sh_entsize == 0) continue;
      const std::size_t n = std::min<std::size_t>(sh.sh_size / sh.sh_entsize, 200000);
      for (std::size_t k = 1; k < n; ++k) {
        GElf_Sym sym;
        if (!gelf_getsym(d, static_cast<int>(k), &sym)) break;
        const char* name = elf_strptr(elf, sh.sh_link, sym.st_name);
        if (!name || !*name) continue;
        const std::string_view s(name);
        if (s == "__stack_chk_fail" || s == "__stack_chk_guard") info.canary = true;
        if (sym.st_shndx == SHN_UNDEF) {
          info.imports.emplace_back(s);
          if (ends_with(s, "_chk") && s.substr(0, 2) == "__" && s != "__stack_chk_fail")
            info.fortify = true;
        }
      }
    }
  }
  info.stripped = !has_symtab;
  info.statically_linked = !has_dynamic && eh.e_type == ET_EXEC;
  info.relro_full = info.relro_partial && bind_now;
  info.is_pie = eh.e_type == ET_DYN && (info.has_interp || flag_pie);
  info.is_library = eh.e_type == ET_DYN && !info.is_pie;
  elf_end(elf);
  return info;
}

}  // namespace kensa::firmware::detail
