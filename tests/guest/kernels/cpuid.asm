; cpuid.asm - CPUID: the ID flag, the vendor string, family 6, and the
; feature bits every P6 (Pentium Pro/II) has; the other bits are printed,
; since emulators' CPU models differ (SDM vol. 2, CPUID).
%include "lib.inc"

section .text
test_main:
	; EFLAGS.ID can be toggled: CPUID exists.
	pushfd
	pop eax
	mov ebx, eax
	xor eax, 1 << 21
	push eax
	popfd
	pushfd
	pop eax
	xor eax, ebx
	CHECK eax, 1 << 21, "EFLAGS.ID can be toggled"
	push ebx
	popfd

	xor eax, eax
	cpuid
	mov [vendor], ebx
	mov [vendor + 4], edx
	mov [vendor + 8], ecx
	cmp eax, 1
	setae al
	movzx eax, al
	CHECK eax, 1, "CPUID leaf 0: the highest leaf is at least 1"
	mov esi, msg_vendor
	call puts
	mov esi, vendor
	call puts
	call put_nl

	mov eax, 1
	cpuid
	mov [leaf1_edx], edx
	mov esi, msg_leaf1
	call puts
	call puthex
	mov esi, msg_edx
	call puts
	mov eax, edx
	call puthex
	mov esi, msg_ecx
	call puts
	mov eax, ecx
	call puthex
	call put_nl
	mov eax, 1
	cpuid
	shr eax, 8
	and eax, 0xF
	CHECK eax, 6, "CPUID family 6 (P6)"

	; The P6 feature bits (the Pentium II set, which bt86 implements).
	mov ebx, 0
.feature:
	movzx ecx, byte [p6_bits + ebx]
	cmp cl, 0xFF
	je .printed
	mov edx, [leaf1_edx]
	shr edx, cl
	and edx, 1
	imul eax, ecx, 24
	add eax, edx_names
	push eax
	push dword 1
	push edx
	call check_eq
	add esp, 12
	inc ebx
	jmp .feature
.printed:
	; The set bits, by name, for the record.
	mov esi, msg_set
	call puts
	xor ebx, ebx
.name:
	bt dword [leaf1_edx], ebx
	jnc .skip
	imul esi, ebx, 24
	add esi, edx_names + 12
	call puts
	mov al, ' '
	call putc
.skip:
	inc ebx
	cmp ebx, 32
	jb .name
	call put_nl

	; The features work: CMOV and CMPXCHG8B.
	mov eax, 1
	mov ecx, 2
	cmp eax, ecx
	cmovb eax, ecx
	CHECK eax, 2, "CMOVB executes"
	mov eax, 0x11
	mov edx, 0x22
	mov ebx, 0x33
	mov ecx, 0x44
	cmpxchg8b [cx8]
	CHECK [cx8], 0x33, "CMPXCHG8B stores ECX:EBX when EDX:EAX matches"
	CHECK [cx8 + 4], 0x44, "CMPXCHG8B high half"

	; A basic leaf above the highest one returns the highest leaf's data
	; (SDM CPUID: "If a value entered for CPUID.EAX is higher than the
	; maximum input value for basic or extended function...").
	xor eax, eax
	cpuid
	xor ecx, ecx                       ; sub-leaf 0 for leaves that have them
	cpuid                              ; EAX = the highest basic leaf
	mov [top + 0], eax
	mov [top + 4], ebx
	mov [top + 8], ecx
	mov [top + 12], edx
	mov eax, 0x1000
	xor ecx, ecx
	cpuid
	CHECK eax, [top + 0], "CPUID leaf 0x1000 = the highest basic leaf (EAX)"
	CHECK ebx, [top + 4], "CPUID leaf 0x1000 = the highest basic leaf (EBX)"
	CHECK ecx, [top + 8], "CPUID leaf 0x1000 = the highest basic leaf (ECX)"
	CHECK edx, [top + 12], "CPUID leaf 0x1000 = the highest basic leaf (EDX)"
	mov eax, 0x80000000
	cpuid
	mov esi, msg_ext
	call puts
	call puthex
	call put_nl
	ret

section .rodata
msg_vendor: db "# vendor: ", 0
msg_leaf1: db "# leaf 1: eax ", 0
msg_edx: db " edx ", 0
msg_ecx: db " ecx ", 0
msg_set: db "# edx features: ", 0
msg_ext: db "# leaf 0x80000000: eax ", 0
p6_bits: db 0, 2, 3, 4, 5, 8, 11, 13, 15, 23, 24, 0xFF
; 32 fields of 24 bytes: "CPUID.1:EDX.<name>", NUL-padded.
%macro NAME 1
%%f:	db "CPUID.1:EDX.", %1
	times 24 - ($ - %%f) db 0
%endmacro
edx_names:
	NAME "FPU"
	NAME "VME"
	NAME "DE"
	NAME "PSE"
	NAME "TSC"
	NAME "MSR"
	NAME "PAE"
	NAME "MCE"
	NAME "CX8"
	NAME "APIC"
	NAME "bit10"
	NAME "SEP"
	NAME "MTRR"
	NAME "PGE"
	NAME "MCA"
	NAME "CMOV"
	NAME "PAT"
	NAME "PSE36"
	NAME "PSN"
	NAME "CLFSH"
	NAME "bit20"
	NAME "DS"
	NAME "ACPI"
	NAME "MMX"
	NAME "FXSR"
	NAME "SSE"
	NAME "SSE2"
	NAME "SS"
	NAME "HTT"
	NAME "TM"
	NAME "bit30"
	NAME "PBE"

section .data
vendor: times 13 db 0
align 4
leaf1_edx: dd 0
cx8: dd 0x11, 0x22
top: times 4 dd 0
