@echo off
rem leitai: the two-week run, for a double click or a campaign folder dropped on this file.
rem Saved as UTF-8 with CRLF line ends; chcp 65001 makes the console show Chinese.
chcp 65001 >nul
setlocal
set "ROOT=%~dp0.."
set "LEITAI=%ROOT%\.venv\Scripts\leitai.exe"
if not exist "%LEITAI%" (
  echo 首次使用，正在安装 leitai（需要几分钟）……
  py -3 "%ROOT%\scripts\dev.py" install 2>nul || python "%ROOT%\scripts\dev.py" install
  if errorlevel 1 goto :failed
)
set "CAMPAIGN=%~1"
if "%CAMPAIGN%"=="" set /p "CAMPAIGN=请把攻坚行动文件夹拖到本窗口（或输入路径）后按回车："
if "%CAMPAIGN%"=="" goto :failed
set CAMPAIGN=%CAMPAIGN:"=%
"%LEITAI%" status --campaign "%CAMPAIGN%"
"%LEITAI%" run --campaign "%CAMPAIGN%"
if errorlevel 1 goto :failed
echo.
echo 已完成。督查通报在上面列出的文件夹中。
pause
exit /b 0
:failed
echo.
echo 未能完成，请按上面的提示处理后再双击本文件。
pause
exit /b 1
