; start.asm - multiboot entry, GDT, TSS and IDT set-up for the guest kernels.
bits 32
%include "defs.inc"

extern test_main, exit_guest, exc_stubs, serial_init
global _start, gdt, gdt_set, idt, idt_set, tss, stack0_top, ring3_stack_top

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00000002            ; ask for the memory information

section .multiboot progbits alloc noexec nowrite align=4
	dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

section .text
_start:
	cli
	mov esp, stack_top
	lgdt [gdt_desc]
	jmp SEL_CODE0:.flat
.flat:
	mov ax, SEL_DATA0
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	cld
	call tss_init
	call idt_init
	call serial_init
	mov al, 0xFF                      ; mask both 8259s: no external interrupt
	out 0x21, al                      ; reaches a test that sets IF
	out 0xA1, al
	call test_main
	push dword 0
	call exit_guest

; The TSS: ring-0 stack for interrupts from rings 1-3 and V86 mode, and an
; I/O permission bitmap that denies every port until a test clears a bit.
tss_init:
	mov dword [tss + 4], stack0_top   ; ESP0
	mov dword [tss + 8], SEL_DATA0    ; SS0
	mov word [tss + 102], TSS_IOMAP
	mov edi, tss + TSS_IOMAP
	mov ecx, 8192 + 1
	mov al, 0xFF
	rep stosb
	push dword 0x0                    ; flags: byte granularity
	push dword 0x89                   ; present, DPL 0, available 32-bit TSS
	push dword TSS_LIMIT
	push dword tss
	push dword SEL_TSS >> 3
	call gdt_set
	add esp, 20
	mov ax, SEL_TSS
	ltr ax
	ret

; Every vector goes to the recording stub of exceptions.asm through a
; ring-0 interrupt gate; the VEC_RING0 gate is callable from ring 3.
idt_init:
	xor ebx, ebx
.next:
	push dword GATE_INT32
	push dword SEL_CODE0
	push dword [exc_stubs + ebx * 4]
	push ebx
	call idt_set
	add esp, 16
	inc ebx
	cmp ebx, 256
	jb .next
	push dword GATE_INT32 | DPL3
	push dword SEL_CODE0
	push dword [exc_stubs + VEC_RING0 * 4]
	push dword VEC_RING0
	call idt_set
	add esp, 16
	lidt [idt_desc]
	ret

; gdt_set(index, base, limit, access, flags): writes a segment descriptor
; (SDM vol. 3, 3.4.5); flags is the G/D/L/AVL nibble.
gdt_set:
	push eax
	push edx
	push edi
	mov edi, [esp + 16]
	lea edi, [gdt + edi * 8]
	mov eax, [esp + 24]               ; limit
	mov [edi], ax
	shr eax, 16
	and al, 0x0F
	mov edx, [esp + 32]               ; flags
	shl dl, 4
	or al, dl
	mov [edi + 6], al
	mov eax, [esp + 20]               ; base
	mov [edi + 2], ax
	shr eax, 16
	mov [edi + 4], al
	mov [edi + 7], ah
	mov eax, [esp + 28]               ; access byte
	mov [edi + 5], al
	pop edi
	pop edx
	pop eax
	ret

; idt_set(vector, offset, selector, type): writes a gate descriptor
; (SDM vol. 3, 6.11); for a task gate, offset is ignored.
idt_set:
	push eax
	push edi
	mov edi, [esp + 12]
	lea edi, [idt + edi * 8]
	mov eax, [esp + 16]
	mov [edi], ax
	shr eax, 16
	mov [edi + 6], ax
	mov eax, [esp + 20]
	mov [edi + 2], ax
	mov byte [edi + 4], 0
	mov eax, [esp + 24]
	mov [edi + 5], al
	pop edi
	pop eax
	ret

section .data
align 4096                                ; a page of its own (tests may
gdt:                                      ; make it supervisor-only)
	dq 0                                  ; null
	dq 0x00CF9A000000FFFF                 ; 0x08 ring-0 code, flat, 32-bit
	dq 0x00CF92000000FFFF                 ; 0x10 ring-0 data
	dq 0x00CFFA000000FFFF                 ; 0x18 ring-3 code
	dq 0x00CFF2000000FFFF                 ; 0x20 ring-3 data
	dq 0                                  ; 0x28 TSS, filled by tss_init
	dq 0x00009A000000FFFF                 ; 0x30 16-bit code, limit 0xFFFF
	dq 0x000092000000FFFF                 ; 0x38 16-bit data
	times (GDT_COUNT - GDT_FREE) dq 0     ; free for the tests
gdt_end:
gdt_desc:
	dw gdt_end - gdt - 1
	dd gdt
idt_desc:
	dw 256 * 8 - 1
	dd idt

section .bss
alignb 4096
idt:	resq 256
alignb 16
tss:	resb TSS_LIMIT + 1
alignb 16
	resb 16384
stack_top:
	resb 8192
stack0_top:
	resb 8192
ring3_stack_top:
