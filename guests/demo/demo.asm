; demo.asm - the bt86 demo kernel: greets on COM1, reports what it measured about its CPU, exits.
;
; A multiboot (v1) ELF kernel that `make run` boots. It prints a banner and
; facts it finds out for itself: what the boot loader passed, the CPUID
; vendor and features, that it runs in protected mode, that paging works
; once it turns it on (an aliased page, accessed and dirty bits), the x87
; FPU, and the time stamp counter. Then it writes 0 to isa-debug-exit (bt86
; exits with status 1 when -device isa-debug-exit is given, as QEMU does)
; and otherwise halts with interrupts off (bt86 exits with status 0).

bits 32

BOOT_MAGIC equ 0x2BADB002

DEBUG_EXIT equ 0xF4

ALIAS      equ 0x40000000          ; a second linear view of the first 4 MiB
PTE_A      equ 1 << 5
PTE_D      equ 1 << 6

%include "multiboot.inc"
global _start
_start:
    mov esp, stack_top
    mov [boot_magic], eax
    mov [boot_info], ebx
    call serial_init
    mov esi, s_banner
    call puts
    call report_boot
    call report_memory
    call report_modules
    call report_cpuid
    call report_pmode
    call report_paging
    call report_fpu
    call report_tsc
    mov esi, s_bye
    call puts
    xor eax, eax
    out DEBUG_EXIT, al             ; exits here under -device isa-debug-exit
    cli
.halt:
    hlt
    jmp .halt

; --- what the boot loader passed -----------------------------------------

report_boot:
    mov esi, s_magic
    call puts
    mov eax, [boot_magic]
    call puthex
    mov esi, s_ok
    cmp dword [boot_magic], BOOT_MAGIC
    je .say
    mov esi, s_wrong
.say:
    call puts
    mov ebx, [boot_info]
    test dword [ebx], 1 << 9       ; boot_loader_name valid
    jz .no_name
    mov esi, s_loader
    call puts
    mov esi, [ebx + 64]
    call puts
    call newline
.no_name:
    test dword [ebx], 1 << 2       ; cmdline valid
    jz .done
    mov esi, s_cmdline
    call puts
    mov esi, [ebx + 16]
    call puts
    mov al, "'"
    call putc
    call newline
.done:
    ret

report_memory:
    mov ebx, [boot_info]
    test dword [ebx], 1            ; mem_lower/mem_upper valid
    jz .done
    mov esi, s_mem1
    call puts
    mov eax, [ebx + 4]
    call putdec
    mov esi, s_mem2
    call puts
    mov eax, [ebx + 8]
    call putdec
    mov esi, s_mem3
    call puts
    mov eax, [ebx + 8]
    add eax, 1024
    shr eax, 10
    call putdec
    mov esi, s_mem4
    call puts
.done:
    ret

; The modules (-initrd): each one's string, size and address.
report_modules:
    mov ebx, [boot_info]
    test dword [ebx], 1 << 3       ; mods_count/mods_addr valid
    jz .done
    mov ecx, [ebx + 20]
    mov ebx, [ebx + 24]
    xor edx, edx
.next:
    cmp edx, ecx
    je .done
    inc edx
    mov esi, s_module
    call puts
    mov eax, edx
    call putdec
    mov esi, s_mod_str
    call puts
    mov esi, [ebx + 8]
    call puts
    mov esi, s_mod_len
    call puts
    mov eax, [ebx + 4]
    sub eax, [ebx]
    call putdec
    mov esi, s_mod_at
    call puts
    mov eax, [ebx]
    call puthex
    call newline
    add ebx, 16
    jmp .next
.done:
    ret

; --- CPUID ------------------------------------------------------------------

report_cpuid:
    ; CPUID exists when software can toggle EFLAGS.ID (SDM vol. 1, 20.1).
    pushfd
    pop eax
    mov ecx, eax
    xor eax, 1 << 21
    push eax
    popfd
    pushfd
    pop eax
    push ecx
    popfd
    xor eax, ecx
    test eax, 1 << 21
    jnz .has_cpuid
    mov esi, s_no_cpuid
    jmp puts
.has_cpuid:
    xor eax, eax
    cpuid
    mov [vendor], ebx
    mov [vendor + 4], edx
    mov [vendor + 8], ecx
    mov esi, s_vendor
    call puts
    mov esi, vendor
    call puts
    mov esi, s_family
    call puts
    mov eax, 1
    cpuid
    mov [features], edx
    mov ebx, eax
    shr eax, 8
    and eax, 0xF
    call putdec
    mov esi, s_model
    call puts
    mov eax, ebx
    shr eax, 4
    and eax, 0xF
    call putdec
    mov esi, s_stepping
    call puts
    mov eax, ebx
    and eax, 0xF
    call putdec
    call newline
    ; The feature flags of leaf 1 EDX that have names in the table.
    mov esi, s_features
    call puts
    mov ebx, feature_names
.next:
    movzx ecx, byte [ebx]
    cmp cl, 0xFF
    je .end
    bt dword [features], ecx
    jnc .skip
    mov al, ' '
    call putc
    lea esi, [ebx + 1]
    call puts
.skip:
    inc ebx                        ; past the bit number, then the name
.past_name:
    inc ebx
    cmp byte [ebx - 1], 0
    jne .past_name
    jmp .next
.end:
    jmp newline

; --- protected mode and paging ---------------------------------------------

report_pmode:
    mov esi, s_pmode
    call puts
    mov eax, cr0
    test al, 1
    mov esi, s_yes
    jnz .say
    mov esi, s_no
.say:
    call puts
    mov esi, s_cr0
    call puts
    mov eax, cr0
    call puthex
    mov esi, s_cs
    call puts
    mov eax, cs
    call put_hex16
    mov esi, s_cpl
    call puts
    mov eax, cs
    and eax, 3
    call putdec
    mov esi, s_close
    jmp puts

; Identity-map the first 4 MiB and map it again at ALIAS with the same page
; table, turn paging on, then write through one view and read the other.
report_paging:
    mov edi, page_table
    mov eax, 0x003                 ; present, writable
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov eax, page_table
    or eax, 0x003
    mov [page_dir], eax
    mov [page_dir + (ALIAS >> 22) * 4], eax
    mov eax, page_dir
    mov cr3, eax
    mov eax, cr0
    or eax, 1 << 31
    mov cr0, eax
    jmp .flush                     ; paging takes effect from the next instruction
.flush:
    mov esi, s_paging
    call puts
    mov eax, cr0
    shr eax, 31
    call putdec
    mov esi, s_close
    call puts

    mov dword [probe + ALIAS], 0x5AFEC0DE
    mov eax, [probe]
    mov esi, s_alias_ok
    cmp eax, 0x5AFEC0DE
    je .alias
    mov esi, s_alias_bad
.alias:
    call puts
    mov eax, probe
    shr eax, 12
    mov eax, [page_table + eax * 4]
    and eax, PTE_A | PTE_D
    mov esi, s_ad_ok
    cmp eax, PTE_A | PTE_D
    je .ad
    mov esi, s_ad_bad
.ad:
    jmp puts

; --- x87 and the time stamp counter -----------------------------------------

report_fpu:
    test dword [features], 1       ; FPU on chip
    jz .done
    fninit
    fldpi
    fimul dword [million]
    fistp dword [scratch]
    mov esi, s_fpu
    call puts
    mov eax, [scratch]
    call putdec
    call newline
.done:
    ret

report_tsc:
    test dword [features], 1 << 4  ; TSC
    jz .done
    rdtsc
    mov ebx, eax
    mov ecx, 100000
.spin:
    loop .spin
    rdtsc
    sub eax, ebx
    push eax
    mov esi, s_tsc
    call puts
    pop eax
    call putdec
    mov esi, s_ticks
    call puts
.done:
    ret

; --- COM1 output ---------------------------------------------------------------

%include "serial.inc"

newline:
    push esi
    mov esi, s_newline
    call puts
    pop esi
    ret

; put_hex16: AX as 0x and 4 hex digits.
put_hex16:
    push ecx
    mov ecx, 4
    call puthexn
    pop ecx
    ret

section .rodata
s_banner    db 13, 10, "  Hello from the bt86 demo kernel!", 13, 10
            db "  A 32-bit multiboot guest, running on a pure-software x86 CPU.", 13, 10, 13, 10, 0
s_magic     db "boot: multiboot magic ", 0
s_ok        db " (ok)", 13, 10, 0
s_wrong     db " (WRONG: expected 0x2BADB002)", 13, 10, 0
s_loader    db "boot: loaded by ", 0
s_cmdline   db "boot: command line '", 0
s_mem1      db "memory: ", 0
s_mem2      db " KiB low, ", 0
s_mem3      db " KiB above 1 MiB (", 0
s_mem4      db " MiB in all)", 13, 10, 0
s_module    db "boot: module ", 0
s_mod_str   db ": '", 0
s_mod_len   db "', ", 0
s_mod_at    db " bytes at ", 0
s_no_cpuid  db "cpu: no CPUID instruction (EFLAGS.ID is stuck)", 13, 10, 0
s_vendor    db "cpu: vendor '", 0
s_family    db "', family ", 0
s_model     db ", model ", 0
s_stepping  db ", stepping ", 0
s_features  db "cpu: features", 0
s_pmode     db "cpu: protected mode ", 0
s_yes       db "yes", 0
s_no        db "NO", 0
s_cr0       db " (CR0 = ", 0
s_cs        db ", CS = ", 0
s_cpl       db ", CPL ", 0
s_paging    db "paging: on (CR0.PG = ", 0
s_close     db ")", 13, 10, 0
s_alias_ok  db "paging: a write at 0x40000000+x reads back at x: two linear views of one frame", 13, 10, 0
s_alias_bad db "paging: the aliased write did NOT read back", 13, 10, 0
s_ad_ok     db "paging: the CPU set the accessed and dirty bits of the page written", 13, 10, 0
s_ad_bad    db "paging: the accessed/dirty bits were NOT set", 13, 10, 0
s_fpu       db "x87: pi * 1000000 = ", 0
s_tsc       db "tsc: 100000 iterations of LOOP took ", 0
s_ticks     db " ticks", 13, 10, 0
s_bye       db 13, 10, "demo: done; goodbye.", 13, 10, 0
s_newline   db 13, 10, 0
million     dd 1000000

; CPUID.1:EDX feature bits (SDM vol. 2A, table 3-11): bit number, name.
feature_names:
    db 0, "fpu", 0, 1, "vme", 0, 2, "de", 0, 3, "pse", 0, 4, "tsc", 0, 5, "msr", 0
    db 6, "pae", 0, 7, "mce", 0, 8, "cx8", 0, 9, "apic", 0, 11, "sep", 0, 12, "mtrr", 0
    db 13, "pge", 0, 14, "mca", 0, 15, "cmov", 0, 16, "pat", 0, 17, "pse36", 0
    db 23, "mmx", 0, 24, "fxsr", 0, 25, "sse", 0, 26, "sse2", 0
    db 0xFF

section .data
align 4
probe       dd 0

section .bss
alignb 4096
page_dir    resd 1024
page_table  resd 1024
boot_magic  resd 1
boot_info   resd 1
features    resd 1
scratch     resd 1
vendor      resb 13
alignb 16
stack       resb 8192
stack_top:
