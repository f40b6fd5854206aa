; task.asm - hardware task switching: JMP and CALL to a TSS, a task gate in
; the IDT for INT n and for #DF, the back link and NT, IRET to the previous
; task, busy bits and CR0.TS, a task with its own CR3 and LDT, and task
; gates catching faults of a ring-3 -> ring-0 stack switch (#PF -> #DF on a
; not-present ring-0 stack, #SS for a not-present SS0) (SDM vol. 3,
; chapter 7 and 6.15).
%include "lib.inc"

SEL_B  equ 0x40
SEL_C  equ 0x48
SEL_D  equ 0x50
SEL_DF equ 0x58
SEL_E  equ 0x60
SEL_DF2 equ 0x70
SEL_SSF equ 0x78
SEL_NPSS equ 0x80
SEL_LDT equ 0x68
SEL_LDT_DATA equ 0x04                  ; LDT entry 0
TSS_LINK equ 0
TSS_EIP  equ 32
TSS_EFLAGS equ 36
TSS_EBX  equ 52
BUSY     equ 2                         ; type 0x9 available, 0xB busy

; TSS_DESC index, tss: a 32-bit TSS descriptor of limit 0x67.
%macro TSS_DESC 2
	push dword 0
	push dword 0x89
	push dword 0x67
	push dword %2
	push dword %1
	call gdt_set
	add esp, 20
%endmacro
; TYPE_OF sel -> EAX: the descriptor's type nibble.
%macro TYPE_OF 1
	movzx eax, byte [gdt + (%1 & ~7) + 5]
	and eax, 0x0F
%endmacro

section .text
test_main:
	mov esi, tss_b
	mov eax, task_b
	mov ebx, stack_b_top
	call tss_init_task
	TSS_DESC SEL_B >> 3, tss_b
	mov esi, tss_c
	mov eax, task_c
	mov ebx, stack_c_top
	call tss_init_task
	TSS_DESC SEL_C >> 3, tss_c
	mov esi, tss_d
	mov eax, task_d
	mov ebx, stack_d_top
	call tss_init_task
	TSS_DESC SEL_D >> 3, tss_d
	mov esi, tss_df
	mov eax, task_df
	mov ebx, stack_df_top
	call tss_init_task
	TSS_DESC SEL_DF >> 3, tss_df

	; JMP to a TSS: no back link, no NT; the old task is no longer busy.
	mov ebx, 0x1234
	jmp SEL_B:0
.back_from_b:
	CHECK ebx, 0x1234, "JMP back to the first task restores its EBX"
	CHECK [b_tr], SEL_B, "in task B, TR is B's selector"
	CHECK [b_nt], 0, "JMP to a task leaves NT clear"
	CHECK [b_type_b], 0xB, "JMP marks the new TSS busy"
	CHECK [b_type_main], 0x9, "JMP clears the old TSS's busy bit"
	CHECK [b_ts], 8, "a task switch sets CR0.TS"
	CHECK [b_ebx], 0xB0B0, "task B starts with the EBX of its TSS"
	CHECK [tss_b + TSS_LINK], 0, "JMP does not write the back link"
	TYPE_OF SEL_B
	CHECK eax, 0x9, "JMP away from task B clears its busy bit"
	clts
	jmp SEL_B:0                        ; B resumes after its JMP
	CHECK [b_resumed], 1, "a second JMP resumes task B where it left"
	clts

	; CALL to a TSS: back link, NT, both busy; IRET returns.
	mov ebx, 0x5678
	call SEL_C:0
.after_call:
	clts
	CHECK ebx, 0x5678, "IRET back from the called task restores EBX"
	CHECK [c_nt], 0x4000, "CALL to a task sets NT in the new task"
	CHECK [tss_c + TSS_LINK], SEL_TSS, "CALL writes the back link"
	CHECK [c_type_main], 0xB, "the calling task stays busy"
	CHECK [c_type_c], 0xB, "the called task is busy"
	CHECK [tss + TSS_EIP], .after_call, "the caller's TSS holds the EIP after CALL"
	TYPE_OF SEL_C
	CHECK eax, 0x9, "IRET from the called task clears its busy bit"
	pushfd
	pop eax
	and eax, 0x4000
	CHECK eax, 0, "the caller's NT is restored clear"
	mov eax, [tss_c + TSS_EFLAGS]
	and eax, 0x4000
	CHECK eax, 0, "IRET saves the called task's EFLAGS with NT cleared"

	; A task gate in the IDT for INT 0x50.
	push dword GATE_TASK
	push dword SEL_D
	push dword 0
	push dword 0x50
	call idt_set
	add esp, 16
	int 0x50
	clts
	CHECK [d_link], SEL_TSS, "INT through a task gate writes the back link"
	CHECK [d_nt], 0x4000, "INT through a task gate sets NT"
	CHECK [d_tr], SEL_D, "INT through a task gate switches TR"
	TYPE_OF SEL_D
	CHECK eax, 0x9, "IRET from the task-gate handler clears its busy bit"

	; The busy bit guards against re-entry (SDM 7.3).
	TRY
	jmp SEL_TSS:0
	ENDTRY
	EXPECT_EXC 13, SEL_TSS, "#GP for JMP to the current (busy) task"
	TRY
	call SEL_TSS:0
	ENDTRY
	EXPECT_EXC 13, SEL_TSS, "#GP for CALL to a busy task"

	; #DF through a task gate: the error code is pushed on the new task's
	; stack (SDM 6.15, interrupt 8).
	push dword GATE_TASK
	push dword SEL_DF
	push dword 0
	push dword 8
	call idt_set
	add esp, 16
	mov byte [idt + 5], 0x0E           ; #DE gate not present
	xor ecx, ecx
	div ecx                            ; #DE -> #NP -> #DF
.df_resume:
	clts
	CHECK [df_seen], 1, "#DF delivered through a task gate"
	CHECK [df_error], 0, "#DF error code 0 on the handler task's stack"
	CHECK [df_link], SEL_TSS, "#DF task's back link is the faulting task"

	; A task with its own CR3 and LDT, with paging on. CR3 is not saved on
	; a switch, so the caller's TSS must hold it for the way back (SDM 7.2.1).
	call paging_on
	mov eax, cr3
	mov [tss + 28], eax
	mov esi, page_dir
	mov edi, pd_e
	mov ecx, 1024
	rep movsd
	mov dword [pd_e + (0x800000 >> 22) * 4], pt_e + 7
	mov eax, 0x900000 | 7
	xor ebx, ebx
.fill:	mov [pt_e + ebx * 4], eax
	add eax, 0x1000
	inc ebx
	cmp ebx, 1024
	jb .fill
	mov dword [0x800000], 0xA0A0
	mov dword [0x900000], 0xE0E0
	push dword 0
	push dword 0x82
	push dword 7
	push dword ldt_e
	push dword SEL_LDT >> 3
	call gdt_set
	add esp, 20
	mov esi, tss_e
	mov eax, task_e
	mov ebx, stack_e_top
	call tss_init_task
	mov dword [tss_e + 28], pd_e
	mov dword [tss_e + 96], SEL_LDT
	mov dword [tss_e + 88], SEL_LDT_DATA ; FS comes from the LDT
	TSS_DESC SEL_E >> 3, tss_e
	call SEL_E:0
	clts
	CHECK [e_cr3], pd_e, "the new task runs with the CR3 of its TSS"
	CHECK [e_read], 0xE0E0, "and its page tables map 8 MiB to 9 MiB"
	CHECK [e_ldtr], SEL_LDT, "LDTR is loaded from the new TSS"
	CHECK [e_fs], SEL_LDT_DATA, "FS loaded from the TSS through the new LDT"
	CHECK [e_fs_read], 0xE0E0, "a read through FS (LDT segment based at 8 MiB)"
	CHECK [0x800000], 0xA0A0, "back in the caller: its own CR3"
	mov eax, cr3
	CHECK eax, page_dir, "IRET to the caller reloads the caller's CR3"
	sldt ax
	movzx eax, ax
	CHECK eax, 0, "and the caller's (null) LDTR"

	; INT 0x80 from ring 3 with TSS.ESP0 on a not-present page: #PF while
	; pushing the frame, #PF again delivering it, so #DF, which a task
	; gate catches with its own stack (SDM 6.15, interrupt 8 and 14).
	mov esi, tss_df2
	mov eax, task_df2
	mov ebx, stack_df2_top
	call tss_init_task
	TSS_DESC SEL_DF2 >> 3, tss_df2
	push dword GATE_TASK
	push dword SEL_DF2
	push dword 0
	push dword 8
	call idt_set
	add esp, 16
	push dword GATE_INT32 | DPL3
	push dword SEL_CODE0
	push dword 0
	push dword 0x80
	call idt_set
	add esp, 16
	mov eax, [tss + 4]
	mov [esp0_saved], eax
	mov dword [tss + 4], bad_stack_top
	mov eax, bad_stack_top - 4
	shr eax, 12
	and dword [page_tables + eax * 4], ~1
	invlpg [bad_stack_top - 4]
	RING3 r3_int80, 2
	clts
	CHECK eax, 0xD0D0, "ring 3 resumed after the #DF task"
	CHECK [df2_seen], 1, "#DF through a task gate for a #PF on the ring-0 stack"
	CHECK [df2_error], 0, "#DF error code 0"
	mov eax, [df2_cr2]
	and eax, ~0xFFF
	CHECK eax, bad_stack_top - 0x1000, "CR2 is in the not-present ring-0 stack page"
	call paging_off

	; INT 0x80 from ring 3 with TSS.SS0 not present: #SS with the SS0
	; selector (EXT=0 for INT n) during the stack switch; a task gate for
	; #SS takes it (SDM INT n, INTER-PRIVILEGE-LEVEL-INTERRUPT).
	push dword 0xC
	push dword 0x12                    ; data, not present
	push dword 0xFFFFF
	push dword 0
	push dword SEL_NPSS >> 3
	call gdt_set
	add esp, 20
	mov esi, tss_ssf
	mov eax, task_ssf
	mov ebx, stack_ssf_top
	call tss_init_task
	TSS_DESC SEL_SSF >> 3, tss_ssf
	push dword GATE_TASK
	push dword SEL_SSF
	push dword 0
	push dword 12
	call idt_set
	add esp, 16
	mov dword [tss + 8], SEL_NPSS
	RING3 r3_int80, 2
	clts
	CHECK eax, 0x5555, "ring 3 resumed after the #SS task"
	CHECK [ssf_error], SEL_NPSS, "#SS error code: the not-present SS0 selector"
	CHECK [ssf_eip], r3_int80, "the faulting task's saved EIP is the INT"
	push dword GATE_INT32
	push dword SEL_CODE0
	push dword [exc_stubs + 12 * 4]
	push dword 12
	call idt_set
	add esp, 16
	ret

; tss_init_task: ESI = TSS, EAX = EIP, EBX = ESP: a ring-0 flat task.
tss_init_task:
	mov [esi + TSS_EIP], eax
	mov [esi + 56], ebx
	mov dword [esi + TSS_EFLAGS], 2
	mov dword [esi + TSS_EBX], 0xB0B0
	mov eax, cr3
	mov [esi + 28], eax
	mov dword [esi + 72], SEL_DATA0    ; ES
	mov dword [esi + 76], SEL_CODE0    ; CS
	mov dword [esi + 80], SEL_DATA0    ; SS
	mov dword [esi + 84], SEL_DATA0    ; DS
	mov dword [esi + 88], SEL_DATA0    ; FS
	mov dword [esi + 92], SEL_DATA0    ; GS
	mov word [esi + 102], 0x68         ; no I/O bitmap
	ret

task_b:
	mov [b_ebx], ebx
	str eax
	mov [b_tr], eax
	pushfd
	pop eax
	and eax, 0x4000
	mov [b_nt], eax
	TYPE_OF SEL_B
	mov [b_type_b], eax
	TYPE_OF SEL_TSS
	mov [b_type_main], eax
	mov eax, cr0
	and eax, 8
	mov [b_ts], eax
	jmp SEL_TSS:0
	mov dword [b_resumed], 1
	jmp SEL_TSS:0

task_c:
	pushfd
	pop eax
	and eax, 0x4000
	mov [c_nt], eax
	TYPE_OF SEL_TSS
	mov [c_type_main], eax
	TYPE_OF SEL_C
	mov [c_type_c], eax
	mov ebx, 0                         ; the caller's EBX must come back
	iretd

task_d:
	mov eax, [tss_d + TSS_LINK]
	mov [d_link], eax
	pushfd
	pop eax
	and eax, 0x4000
	mov [d_nt], eax
	str eax
	mov [d_tr], eax
	iretd

task_df:
	pop eax                            ; the error code
	mov [df_error], eax
	mov eax, [tss_df + TSS_LINK]
	mov [df_link], eax
	mov dword [df_seen], 1
	mov byte [idt + 5], 0x8E           ; repair #DE's gate
	mov dword [tss + TSS_EIP], test_main.df_resume
	iretd

; The #DF task: repair the stack page and ESP0, then send the interrupted
; ring-3 code to r3_after_df (its TSS image is ring 3's state).
task_df2:
	pop eax
	mov [df2_error], eax
	mov eax, cr2
	mov [df2_cr2], eax
	mov dword [df2_seen], 1
	mov eax, bad_stack_top - 4
	shr eax, 12
	or dword [page_tables + eax * 4], 1
	invlpg [bad_stack_top - 4]
	mov eax, [esp0_saved]
	mov [tss + 4], eax
	mov dword [tss + TSS_EIP], r3_after_df
	iretd

task_ssf:
	pop eax
	mov [ssf_error], eax
	mov eax, [tss + TSS_EIP]
	mov [ssf_eip], eax
	mov dword [tss + 8], SEL_DATA0
	mov dword [tss + TSS_EIP], r3_after_ss
	iretd

r3_after_ss:
	mov eax, 0x5555
	int VEC_RING0
r3_int80:
	int 0x80
r3_after_df:
	mov eax, 0xD0D0
	int VEC_RING0

task_e:
	mov eax, cr3
	mov [e_cr3], eax
	mov eax, [0x800000]
	mov [e_read], eax
	sldt ax
	movzx eax, ax
	mov [e_ldtr], eax
	mov eax, fs
	mov [e_fs], eax
	mov eax, [fs:0]
	mov [e_fs_read], eax
	iretd

section .data
align 8
ldt_e:	dq 0x00CF92800000FFFF         ; data, base 0x800000, 4 GiB
e_cr3: dd 0
esp0_saved: dd 0
ssf_error: dd 0xFFFFFFFF
ssf_eip: dd 0
df2_seen: dd 0
df2_error: dd 0xFFFFFFFF
df2_cr2: dd 0
e_read: dd 0
e_ldtr: dd 0
e_fs: dd 0
e_fs_read: dd 0
b_ebx: dd 0
b_tr: dd 0
b_nt: dd 0
b_type_b: dd 0
b_type_main: dd 0
b_ts: dd 0
b_resumed: dd 0
c_nt: dd 0
c_type_main: dd 0
c_type_c: dd 0
d_link: dd 0
d_nt: dd 0
d_tr: dd 0
df_seen: dd 0
df_error: dd 0xFFFFFFFF
df_link: dd 0

section .bss
alignb 4096
pd_e: resd 1024
pt_e: resd 1024
bad_stack: resb 4096
bad_stack_top:
alignb 16
tss_ssf: resb 0x68
	resb 4096
stack_ssf_top:
tss_df2: resb 0x68
	resb 4096
stack_df2_top:
tss_e: resb 0x68
	resb 4096
stack_e_top:
tss_b: resb 0x68
tss_c: resb 0x68
tss_d: resb 0x68
tss_df: resb 0x68
	resb 4096
stack_b_top:
	resb 4096
stack_c_top:
	resb 4096
stack_d_top:
	resb 4096
stack_df_top:
