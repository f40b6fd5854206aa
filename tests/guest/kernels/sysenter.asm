; sysenter.asm - SYSENTER/SYSEXIT with the MSRs set by WRMSR (ring 3 -> 0
; -> 3), their #GP conditions, and the other MSRs a P6 has: TSC, APIC base,
; MTRR capabilities; RDTSC with CR4.TSD (SDM vol. 2 SYSENTER, SYSEXIT,
; RDMSR, RDTSC; vol. 3, 5.8.7).
%include "lib.inc"

MSR_TSC    equ 0x10
MSR_APIC   equ 0x1B
MSR_MTRRCAP equ 0xFE
MSR_CS     equ 0x174
MSR_ESP    equ 0x175
MSR_EIP    equ 0x176

%macro WRMSR 2
	mov ecx, %1
	mov eax, %2
	xor edx, edx
	wrmsr
%endmacro

section .text
test_main:
	WRMSR MSR_CS, SEL_CODE0
	WRMSR MSR_ESP, sysenter_stack_top
	WRMSR MSR_EIP, sysenter_entry
	mov ecx, MSR_EIP
	rdmsr
	CHECK eax, sysenter_entry, "RDMSR SYSENTER_EIP reads back"
	CHECK edx, 0, "RDMSR SYSENTER_EIP high half"
	mov ecx, MSR_CS
	rdmsr
	CHECK eax, SEL_CODE0, "RDMSR SYSENTER_CS reads back"

	RING3 r3_sysenter, 0x202
	CHECK eax, 0x5E, "SYSENTER and SYSEXIT round trip"
	CHECK [k_cs], SEL_CODE0, "SYSENTER loads CS from SYSENTER_CS"
	CHECK [k_ss], SEL_DATA0, "SYSENTER loads SS = SYSENTER_CS + 8"
	CHECK [k_esp], sysenter_stack_top, "SYSENTER loads ESP from SYSENTER_ESP"
	CHECK [k_if], 0, "SYSENTER clears IF"
	CHECK [u_cs], SEL_CODE3, "SYSEXIT loads CS = SYSENTER_CS + 16 | 3"
	CHECK [u_ss], SEL_DATA3, "SYSEXIT loads SS = SYSENTER_CS + 24 | 3"
	CHECK [u_esp], ring3_stack_top - 4, "SYSEXIT loads ESP from ECX"

	TRY
	RING3 r3_sysexit, 0x2
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for SYSEXIT at CPL 3"
	WRMSR MSR_CS, 0
	TRY
	RING3 r3_sysenter, 0x2
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for SYSENTER with SYSENTER_CS = 0"
	TRY
	mov ecx, ring3_stack_top
	mov edx, r3_after
	sysexit
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for SYSEXIT with SYSENTER_CS = 0"

	; Time-stamp counter: WRMSR sets it, it counts up, CR4.TSD guards it.
	WRMSR MSR_TSC, 0
	rdtsc
	CHECK edx, 0, "RDTSC after WRMSR TSC = 0: high half 0"
	mov ebx, eax
	rdtsc
	cmp eax, ebx
	seta al
	movzx eax, al
	CHECK eax, 1, "RDTSC counts up"
	mov ecx, MSR_TSC
	rdmsr
	CHECK edx, 0, "RDMSR TSC high half"
	RING3 r3_rdtsc, 0x2
	CHECK eax, 1, "RDTSC at CPL 3 with CR4.TSD = 0"
	mov eax, cr4
	or eax, 4
	mov cr4, eax
	TRY
	RING3 r3_rdtsc, 0x2
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for RDTSC at CPL 3 with CR4.TSD = 1"
	mov eax, cr4
	and eax, ~4
	mov cr4, eax
	TRY
	RING3 r3_rdmsr, 0x2
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for RDMSR at CPL 3"

	mov ecx, MSR_APIC
	rdmsr
	and eax, 0xFFFFF900
	CHECK eax, 0xFEE00900, "APIC base MSR: 0xFEE00000, enabled, BSP"
	TRY
	mov ecx, MSR_MTRRCAP
	rdmsr
	ENDTRY
	CHECK [exc_vector], NO_VECTOR, "RDMSR MTRRcap does not fault"
	ret

r3_sysenter:
	push dword 0
	mov ecx, esp
	mov edx, r3_after
	sysenter
r3_after:
	mov [u_esp], esp
	mov eax, cs
	mov [u_cs], eax
	mov eax, ss
	mov [u_ss], eax
	add esp, 4
	mov eax, 0x5E
	int VEC_RING0
r3_sysexit:
	sysexit
r3_rdtsc:
	rdtsc
	mov eax, 1
	int VEC_RING0
r3_rdmsr:
	mov ecx, MSR_TSC
	rdmsr
	int VEC_RING0

sysenter_entry:
	mov [k_esp], esp
	mov eax, cs
	mov [k_cs], eax
	mov eax, ss
	mov [k_ss], eax
	pushfd
	pop eax
	and eax, 0x200
	mov [k_if], eax
	sysexit

section .data
k_esp: dd 0
k_cs: dd 0
k_ss: dd 0
k_if: dd 0xFFFF
u_esp: dd 0
u_cs: dd 0
u_ss: dd 0

section .bss
	resb 1024
sysenter_stack_top:
