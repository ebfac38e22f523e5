; Included by electron-builder's NSIS installer (electron-builder.yml, nsis.include): spincycle://
; links open Spin Cycle from the moment it is installed, and no longer once it is removed. SHCTX
; is the current user's or the machine's registry hive, whichever the install is for.

!macro customInstall
  DeleteRegKey SHCTX "Software\Classes\spincycle"
  WriteRegStr SHCTX "Software\Classes\spincycle" "" "URL:Spin Cycle request link"
  WriteRegStr SHCTX "Software\Classes\spincycle" "URL Protocol" ""
  WriteRegStr SHCTX "Software\Classes\spincycle\DefaultIcon" "" "$appExe,0"
  WriteRegStr SHCTX "Software\Classes\spincycle\shell\open\command" "" '"$appExe" "%1"'
!macroend

!macro customUnInstall
  ; An update runs the old uninstaller first: keep the scheme, the new install rewrites it.
  ${ifNot} ${isUpdated}
    DeleteRegKey SHCTX "Software\Classes\spincycle"
  ${endIf}
!macroend
