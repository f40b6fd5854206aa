; cr4.asm - CR4: the P6 bits read back, and MOV CR4 with a reserved bit or
; with PAE (which CPUID does not report here) raises #GP(0) (SDM vol. 3,
; 2.5; vol. 2, MOV CR). Its own kernel because QEMU 7.2 TCG hangs on the
; reserved bit (see expected-failures.txt).
%include "lib.inc"

%macro CR4_BIT 2 ; bit, "name": set, read back, clear
	mov eax, cr4
	or eax, 1 << %1
	mov cr4, eax
	mov ebx, cr4
	and eax, ~(1 << %1)
	mov cr4, eax
	and ebx, 1 << %1
	CHECK ebx, 1 << %1, "CR4.", %2, " can be set"
%endmacro

section .text
test_main:
	CR4_BIT 2, "TSD"
	CR4_BIT 3, "DE"
	CR4_BIT 4, "PSE"
	CR4_BIT 7, "PGE"
	CR4_BIT 8, "PCE"
	TRY
	mov eax, cr4
	or eax, 1 << 31
	mov cr4, eax
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for CR4 bit 31 (reserved)"
	TRY
	mov eax, cr4
	or eax, 1 << 11
	mov cr4, eax
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for CR4 bit 11 (reserved on a P6)"
	mov eax, 1
	cpuid
	bt edx, 6
	jc .pae_reported
	TRY
	mov eax, cr4
	or eax, 1 << 5
	mov cr4, eax
	ENDTRY
	EXPECT_EXC 13, 0, "#GP for CR4.PAE when CPUID does not report PAE"
	jmp .pae_done
.pae_reported:
	NOTE "CPUID reports PAE: the CR4.PAE check is skipped"
.pae_done:
	ret
