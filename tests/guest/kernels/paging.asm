; paging.asm - 4 KiB and 4 MiB paging: #PF error codes and CR2 for not-
; present, write and user faults, CR0.WP, accessed/dirty bits, PSE pages,
; INVLPG and global pages (SDM vol. 3, 4.3, 4.6, 4.7, 4.8, 4.10).
%include "lib.inc"

PAGE     equ 0x800000                  ; the test page (8 MiB)
PTE      equ page_tables + (PAGE >> 12) * 4
PDE      equ page_dir + (PAGE >> 22) * 4
BIG      equ 0xC00000                  ; linear 12 MiB: a 4 MiB page
BIG_PDE  equ page_dir + (BIG >> 22) * 4
P equ 1
W equ 2
U equ 4
A equ 0x20
D equ 0x40
PS equ 0x80
G equ 0x100

; SETPTE value: rewrites the test page's PTE and invalidates its TLB entry.
%macro SETPTE 1
	mov dword [PTE], %1
	invlpg [PAGE]
%endmacro

; SUPERVISOR start, end: clears U in the PTEs of the pages of [start, end).
%macro SUPERVISOR 2
	mov eax, %1
	shr eax, 12
	mov edx, %2 + 0xFFF
	shr edx, 12
%%next:
	and dword [page_tables + eax * 4], ~U
	inc eax
	cmp eax, edx
	jb %%next
%endmacro

; PF_CASE code, error, "what": runs code (a TRY body), expects #PF with the
; given error code and CR2 = PAGE + 0x10.
%macro PF_CASE 3
	TRY
	ACCESS_%1
	ENDTRY
	EXPECT_PF %2, PAGE + 0x10, %3
%endmacro
%macro ACCESS_RD 0
	mov eax, [PAGE + 0x10]
%endmacro
%macro ACCESS_WR 0
	mov dword [PAGE + 0x10], 1
%endmacro
%macro ACCESS_R3RD 0
	RING3 r3_read, 2
%endmacro
%macro ACCESS_R3WR 0
	RING3 r3_write, 2
%endmacro

section .text
test_main:
	call paging_on
	mov dword [PAGE + 0x10], 0x1234
	mov dword [PAGE + 0x1010], 0x5678
	CHECK [PAGE + 0x10], 0x1234, "identity map reads back"

	SETPTE PAGE | W | U
	TRY
.rd:	mov eax, [PAGE + 0x10]
	ENDTRY
	EXPECT_EXC 14, 0, "#PF read of a not-present page"
	CHECK [exc_cr2], PAGE + 0x10, "#PF read: CR2"
	CHECK [exc_eip], .rd, "#PF pushes the EIP of the access"
	PF_CASE WR, 2, "#PF write to a not-present page"
	PF_CASE R3RD, 4, "#PF user read of a not-present page"
	PF_CASE R3WR, 6, "#PF user write to a not-present page"
	CHECK [exc_frame + 16], SEL_DATA3, "#PF from ring 3 pushes the ring-3 SS"
	CHECK [exc_frame + 12], ring3_stack_top, "#PF from ring 3 pushes the ring-3 ESP"

	SETPTE PAGE | P | U               ; read-only user page
	TRY
	ACCESS_WR
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "supervisor write to a read-only page with CR0.WP=0"
	CHECK [PAGE + 0x10], 1, "the write went through"
	mov eax, cr0
	or eax, 1 << 16
	mov cr0, eax
	PF_CASE WR, 3, "#PF supervisor write to a read-only page with CR0.WP=1"
	PF_CASE R3WR, 7, "#PF user write to a read-only page"
	mov eax, cr0
	and eax, ~(1 << 16)
	mov cr0, eax
	PF_CASE R3WR, 7, "#PF user write to a read-only page with CR0.WP=0"

	SETPTE PAGE | P | W               ; supervisor page
	PF_CASE R3RD, 5, "#PF user read of a supervisor page"
	PF_CASE R3WR, 7, "#PF user write to a supervisor page"
	SETPTE PAGE | P | W | U
	and dword [PDE], ~U               ; supervisor page table
	invlpg [PAGE]
	PF_CASE R3RD, 5, "#PF user read through a supervisor PDE"
	or dword [PDE], U
	and dword [PDE], ~W               ; read-only page table
	invlpg [PAGE]
	PF_CASE R3WR, 7, "#PF user write through a read-only PDE"
	or dword [PDE], W
	invlpg [PAGE]
	mov dword [recover_eip], 0
	RING3 r3_read, 2
	CHECK eax, 1, "user read of a user page"

	; Instruction fetch from a not-present page: CR2 is the target.
	mov byte [PAGE + 0x10], 0xC3      ; RET
	SETPTE PAGE | W
	TRY
	call PAGE + 0x10
	ENDTRY
	EXPECT_EXC 14, 0, "#PF fetching from a not-present page"
	CHECK [exc_cr2], PAGE + 0x10, "#PF fetch: CR2"
	CHECK [exc_eip], PAGE + 0x10, "#PF fetch: EIP is the target"

	; A write that straddles into a not-present page: CR2 is that page.
	SETPTE PAGE | P | W
	and dword [PTE + 4], ~P
	invlpg [PAGE + 0x1000]
	TRY
	mov dword [PAGE + 0xFFE], 0
	ENDTRY
	or dword [PTE + 4], P
	invlpg [PAGE + 0x1000]
	EXPECT_EXC 14, 2, "#PF for a write straddling into a not-present page"
	CHECK [exc_cr2], PAGE + 0x1000, "straddling write: CR2 is the second page"

	; Accessed and dirty bits (SDM 4.8).
	SETPTE PAGE | P | W
	and dword [PDE], ~A
	mov eax, [PAGE]
	mov eax, [PTE]
	and eax, A | D
	CHECK eax, A, "a read sets A, not D, in the PTE"
	mov eax, [PDE]
	and eax, A
	CHECK eax, A, "a read sets A in the PDE"
	mov dword [PAGE], 0x1234
	mov eax, [PTE]
	and eax, A | D
	CHECK eax, A | D, "a write sets D in the PTE"
	mov eax, [PDE]
	and eax, D
	CHECK eax, 0, "D is not set in a PDE that points to a page table"
	SETPTE PAGE | P | U
	TRY
	ACCESS_R3WR
	ENDTRY
	mov eax, [PTE]
	and eax, D
	CHECK eax, 0, "a write that faults does not set D"

	; A 4 MiB page (CR4.PSE, PDE.PS) mapping physical 4 MiB at linear 12 MiB.
	mov eax, cr4
	or eax, 1 << 4
	mov cr4, eax
	mov dword [0x400123], 0xCAFEBABE
	mov ebx, [BIG_PDE]
	mov dword [BIG_PDE], 0x400000 | PS | P | W
	invlpg [BIG]
	CHECK [BIG + 0x123], 0xCAFEBABE, "read through a 4 MiB page"
	mov eax, [BIG_PDE]
	and eax, A | D
	CHECK eax, A, "a read sets A in a 4 MiB PDE"
	mov dword [BIG + 0x3FF000], 0x600D
	CHECK [0x7FF000], 0x600D, "write through a 4 MiB page at its last 4 KiB"
	mov eax, [BIG_PDE]
	and eax, A | D
	CHECK eax, A | D, "a write sets D in a 4 MiB PDE"
	and dword [BIG_PDE], ~W
	invlpg [BIG]
	mov eax, cr0
	or eax, 1 << 16
	mov cr0, eax
	TRY
	mov dword [BIG + 0x200010], 0
	ENDTRY
	EXPECT_EXC 14, 3, "#PF write to a read-only 4 MiB page with CR0.WP=1"
	CHECK [exc_cr2], BIG + 0x200010, "#PF in a 4 MiB page: CR2"
	mov eax, cr0
	and eax, ~(1 << 16)
	mov cr0, eax
	mov [BIG_PDE], ebx
	mov eax, cr4
	and eax, ~(1 << 4)
	mov cr4, eax
	mov eax, cr3
	mov cr3, eax
	CHECK [BIG + 0x123], 0, "PSE off: the PDE's page table maps 12 MiB again"

	; INVLPG makes a changed PTE take effect.
	SETPTE PAGE | P | W
	mov dword [PAGE + 0x10], 0x1111
	SETPTE (PAGE + 0x1000) | P | W
	CHECK [PAGE + 0x10], 0x5678, "after INVLPG the PTE's new frame is used"
	SETPTE PAGE | P | W
	CHECK [PAGE + 0x10], 0x1111, "after INVLPG the old frame is back"

	; Global pages: a CR3 load may keep a global translation (the SDM
	; allows but does not require it: only noted); clearing CR4.PGE
	; flushes it.
	mov eax, cr4
	or eax, 1 << 7
	mov cr4, eax
	SETPTE PAGE | P | W | G
	mov eax, [PAGE + 0x10]
	mov dword [PTE], (PAGE + 0x1000) | P | W | G
	mov eax, cr3
	mov cr3, eax
	cmp dword [PAGE + 0x10], 0x1111
	jne .flushed
	NOTE "the global translation survived the CR3 load"
	jmp .pge_off
.flushed:
	NOTE "the CR3 load flushed the global translation"
.pge_off:
	mov eax, cr4
	and eax, ~(1 << 7)
	mov cr4, eax
	CHECK [PAGE + 0x10], 0x5678, "clearing CR4.PGE flushes global translations"
	SETPTE PAGE | P | W | U

	; Implicit supervisor accesses (SDM 4.6): from ring 3, a segment load
	; reads the GDT and an interrupt reads the IDT and TSS and pushes on
	; the ring-0 stack, all on supervisor pages, without a fault.
	SUPERVISOR gdt, gdt + GDT_COUNT * 8
	SUPERVISOR idt, idt + 256 * 8
	SUPERVISOR tss, tss + TSS_LIMIT
	SUPERVISOR stack0_top - 64, stack0_top
	mov eax, cr3
	mov cr3, eax
	TRY
	RING3 r3_implicit, 2
	ENDTRY
	CHECK [exc_vector], VEC_RING0, "ring 3 loads DS and enters ring 0 with the GDT, IDT, TSS and stack supervisor-only"
	CHECK eax, 0x1234, "and the ring-3 code ran"
	TRY
	RING3 r3_read_gdt, 2
	ENDTRY
	EXPECT_EXC 14, 5, "#PF for an explicit ring-3 read of the supervisor GDT page"
	CHECK [exc_cr2], gdt, "#PF for the GDT read: CR2"

	; A 4 MiB PDE with reserved bits 21:13 set (no PSE-36): #PF with RSVD
	; (SDM 4.3, table 4-4 and 4.7).
	mov eax, cr4
	or eax, 1 << 4
	mov cr4, eax
	mov dword [BIG_PDE], 0x400000 | (1 << 21) | PS | P | W
	invlpg [BIG]
	TRY
	mov eax, [BIG + 0x10]
	ENDTRY
	EXPECT_EXC 14, 8 | P, "#PF with RSVD for a 4 MiB PDE with bit 21 set"
	CHECK [exc_cr2], BIG + 0x10, "#PF with RSVD: CR2"
	mov dword [BIG_PDE], 0x400000 | (1 << 13) | PS | P | W
	invlpg [BIG]
	TRY
	mov eax, [BIG + 0x10]
	ENDTRY
	EXPECT_EXC 14, 8 | P, "#PF with RSVD for a 4 MiB PDE with bit 13 set (no PSE-36)"
	mov dword [BIG_PDE], page_tables + (BIG >> 22) * 4096 + P + W + U
	mov eax, cr4
	and eax, ~(1 << 4)
	mov cr4, eax

	; Flushes that the SDM guarantees (4.10.4): a CR3 load for a non-global
	; page, INVLPG for a global one.
	SETPTE PAGE | P | W
	mov dword [PAGE + 0x10], 0x1111
	mov eax, [PAGE + 0x10]
	mov dword [PTE], (PAGE + 0x1000) | P | W
	mov eax, cr3
	mov cr3, eax
	CHECK [PAGE + 0x10], 0x5678, "a CR3 load flushes a non-global translation"
	mov eax, cr4
	or eax, 1 << 7
	mov cr4, eax
	SETPTE PAGE | P | W | G
	mov eax, [PAGE + 0x10]
	mov dword [PTE], (PAGE + 0x1000) | P | W | G
	invlpg [PAGE]
	CHECK [PAGE + 0x10], 0x5678, "INVLPG flushes a global translation"
	mov eax, cr4
	and eax, ~(1 << 7)
	mov cr4, eax
	SETPTE PAGE | P | W | U

	; A read-modify-write to a read-only user page from ring 3 faults as a
	; write and changes nothing.
	SETPTE PAGE | P | U
	mov dword [PAGE + 0x10], 5
	TRY
	RING3 r3_rmw, 2
	ENDTRY
	EXPECT_EXC 14, 7, "#PF for ADD [m], r at CPL 3 on a read-only page"
	CHECK [PAGE + 0x10], 5, "the faulting ADD left memory unchanged"
	SETPTE PAGE | P | W | U
	call paging_off
	ret

r3_rmw:
	mov eax, 1
	add [PAGE + 0x10], eax
	int VEC_RING0
r3_implicit:
	mov ax, SEL_DATA3
	mov ds, ax
	mov eax, 0x1234
	int VEC_RING0
r3_read_gdt:
	mov eax, [gdt]
	int VEC_RING0
r3_read:
	mov eax, [PAGE + 0x10]
	int VEC_RING0
r3_write:
	mov dword [PAGE + 0x10], 1
	int VEC_RING0
