; mmx.asm - MMX basics: wrap-around and saturating adds, multiplies,
; compares, shifts, packs and unpacks, logic, MOVD/MOVQ, the x87 tag word
; and EMMS, and the #UD/#NM conditions (SDM vol. 1, chapter 9; vol. 2).
%include "lib.inc"

; MMXCHK reg, low, high, "what": stores the MMX register and checks it.
%macro MMXCHK 4
	movq [tmp], %1
	CHECK [tmp], %2, %4, " (low)"
	CHECK [tmp + 4], %3, %4, " (high)"
%endmacro

section .text
test_main:
	mov eax, cr0
	and eax, ~(4 | 8)
	mov cr0, eax
	fninit

	movq mm0, [q_bytes]
	paddb mm0, [q_ff01]
	MMXCHK mm0, 0x04070609, 0x00030205, "PADDB wraps around"
	movq mm0, [q_sat_a]
	paddsb mm0, [q_sat_b]
	MMXCHK mm0, 0x0020807F, 0, "PADDSB saturates to 0x7F and 0x80"
	movq mm0, [q_us_a]
	paddusb mm0, [q_us_b]
	MMXCHK mm0, 0x000030FF, 0, "PADDUSB saturates to 0xFF"
	movq mm0, [q_w1]
	psubw mm0, [q_w2]
	MMXCHK mm0, 0x0000FFFF, 0, "PSUBW wraps: 1 - 2 = 0xFFFF"
	movq mm0, [q_w1]
	psubusw mm0, [q_w2]
	MMXCHK mm0, 0, 0, "PSUBUSW saturates to 0"
	movq mm0, [q_mul_a]
	movq mm1, mm0
	pmullw mm0, [q_mul_b]
	MMXCHK mm0, 0xFFFE3400, 0, "PMULLW low words: 0x1234*0x100, -1*2"
	pmulhw mm1, [q_mul_b]
	MMXCHK mm1, 0xFFFF0012, 0, "PMULHW signed high words"
	movq mm0, [q_1234]
	pmaddwd mm0, [q_5678]
	MMXCHK mm0, 17, 53, "PMADDWD: 1*5+2*6, 3*7+4*8"
	movq mm0, [q_bytes]
	pcmpeqb mm0, [q_cmp]
	MMXCHK mm0, 0x00FF00FF, 0x00000000, "PCMPEQB"
	movq mm0, [q_gt_a]
	pcmpgtw mm0, [q_gt_b]
	MMXCHK mm0, 0xFFFF0000, 0, "PCMPGTW is signed"

	movq mm0, [q_1234]
	psllw mm0, 4
	MMXCHK mm0, 0x00200010, 0x00400030, "PSLLW by 4"
	movq mm0, [q_top]
	psrlq mm0, 60
	MMXCHK mm0, 0xF, 0, "PSRLQ by 60"
	movq mm0, [q_sign]
	psraw mm0, 15
	MMXCHK mm0, 0x0000FFFF, 0, "PSRAW by 15 copies the sign"
	movq mm0, [q_1234]
	psllw mm0, 16
	MMXCHK mm0, 0, 0, "PSLLW by 16 clears"
	movq mm0, [q_1234]
	mov eax, 4
	movd mm1, eax
	psllq mm0, mm1
	MMXCHK mm0, 0x00200010, 0x00400030, "PSLLQ by a register count"

	movq mm0, [q_pack]
	packsswb mm0, [q_pack]
	MMXCHK mm0, 0xFF05807F, 0xFF05807F, "PACKSSWB saturates"
	movq mm0, [q_packu]
	packuswb mm0, [q_packu]
	MMXCHK mm0, 0x004200FF, 0x004200FF, "PACKUSWB saturates unsigned"
	mov eax, 0x44332211
	movd mm0, eax
	mov eax, 0xDDCCBBAA
	movd mm1, eax
	punpcklbw mm0, mm1
	MMXCHK mm0, 0xBB22AA11, 0xDD44CC33, "PUNPCKLBW interleaves"
	movq mm0, [q_bytes]
	punpckhdq mm0, [q_ff01]
	MMXCHK mm0, 0x01020304, 0xFF01FF01, "PUNPCKHDQ"
	movq mm0, [q_bytes]
	pandn mm0, [q_ff01]
	MMXCHK mm0, 0xFA01F801, 0xFE01FC01, "PANDN: NOT dest AND src"
	movq mm0, [q_bytes]
	pxor mm0, mm0
	MMXCHK mm0, 0, 0, "PXOR with itself"
	mov eax, 0x89ABCDEF
	movd mm2, eax
	MMXCHK mm2, 0x89ABCDEF, 0, "MOVD zero-extends"
	movq mm3, [q_bytes]
	movd ebx, mm3
	CHECK ebx, 0x05060708, "MOVD to a register: the low dword"

	; An MMX instruction makes every tag valid and TOP 0; EMMS empties.
	; (FNSTENV classifies each non-empty register's contents, SDM 8.1.7:
	; check that none is tagged empty, 11b.)
	fnstenv [env]
	movzx eax, word [env + 8]
	mov ebx, eax
	shr ebx, 1
	and eax, ebx
	and eax, 0x5555
	CHECK eax, 0, "after MMX instructions no x87 register is empty"
	movzx eax, word [env + 4]
	and eax, 0x3800
	CHECK eax, 0, "after MMX instructions TOP = 0"
	emms
	fnstenv [env]
	movzx eax, word [env + 8]
	CHECK eax, 0xFFFF, "EMMS empties the tag word"
	; MMX registers are the x87 mantissas; a write sets bits 79:64 to 1s
	; (SDM vol. 1, 9.5.1).
	movq mm0, [q_bytes]
	fsave [save]
	CHECK [save + 28], 0x05060708, "MM0 is the mantissa of R0 (low)"
	CHECK [save + 32], 0x01020304, "MM0 is the mantissa of R0 (high)"
	movzx eax, word [save + 36]
	CHECK eax, 0xFFFF, "an MMX write sets the exponent bits of R0 to 1s"
	frstor [save]
	emms

	mov eax, cr0
	or eax, 4
	mov cr0, eax
	TRY
	paddb mm0, mm1
	ENDTRY
	EXPECT_EXC 6, NO_ERROR, "#UD for an MMX instruction with CR0.EM=1"
	mov eax, cr0
	and eax, ~4
	or eax, 8
	mov cr0, eax
	TRY
	paddb mm0, mm1
	ENDTRY
	EXPECT_EXC 7, NO_ERROR, "#NM for an MMX instruction with CR0.TS=1"
	clts
	emms
	ret

section .data
align 8
q_bytes: dq 0x0102030405060708
q_ff01:  dq 0xFF01FF01FF01FF01
q_sat_a: dq 0x000000000010807F
q_sat_b: dq 0x000000000010FF01
q_us_a:  dq 0x10F0
q_us_b:  dq 0x2020
q_w1:    dq 1
q_w2:    dq 2
q_mul_a: dq 0x00000000FFFF1234
q_mul_b: dq 0x0000000000020100
q_1234:  dq 0x0004000300020001
q_5678:  dq 0x0008000700060005
q_cmp:   dq 0x0000000000060008
q_gt_a:  dq 0x0000000000028000
q_gt_b:  dq 0x0000000000010001
q_top:   dq 0xF000000000000000
q_sign:  dq 0x000000007FFF8000
q_pack:  dq 0xFFFF0005FF7F0080
q_packu: dq 0x00000042FFFF0100
tmp: dq 0
env: times 28 db 0
save: times 108 db 0
